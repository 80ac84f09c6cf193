#ifndef AKSSIM_CPCAP_SHIM_H
#define AKSSIM_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
