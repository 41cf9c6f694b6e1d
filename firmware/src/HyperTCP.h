// HyperTCP Arduino library: one include for sketches.
//   #include <HyperTCP.h>
//   WiFiClient wifi;
//   HyperTCPTransport<WiFiClient> transport(wifi);
//   HyperTCPProtocol<HyperTCPTransport<WiFiClient>> hyper(transport);
// See docs/FIRMWARE.md for the API and the configuration macros (hypertcp/Config.h).
#ifndef HYPERTCP_H
#define HYPERTCP_H

#include "hypertcp/Config.h"
#include "hypertcp/Protocol.h"
#include "hypertcp/DeviceInfo.h"
#include "hypertcp/JsonScan.h"
#include "hypertcp/JsonWriter.h"
#include "hypertcp/Client.h"
#include "boards/Board.h"

#if defined(ARDUINO)
#include "adapters/ArduinoClientTransport.h"
#else
#include "adapters/PosixTransport.h"
#endif

#define HYPERTCP_VERSION "1.0.0"

#endif
