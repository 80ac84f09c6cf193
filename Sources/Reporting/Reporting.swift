// Reporting: renderers (see README).
