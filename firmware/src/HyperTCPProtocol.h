// The seed firmware's header name: sketches written for it keep their #include.
#ifndef HYPERTCP_PROTOCOL_COMPAT_H
#define HYPERTCP_PROTOCOL_COMPAT_H
#include "HyperTCP.h"
#endif
