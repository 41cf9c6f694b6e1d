// Compile-time configuration. Override any value with a -D build flag (PlatformIO build_flags,
// arduino-cli --build-property compiler.cpp.extra_flags=...) so the sketch and the library's .cpp
// files agree; a #define in the sketch does not reach the library. Out-of-range values stop the build.
#ifndef HYPERTCP_CONFIG_H
#define HYPERTCP_CONFIG_H

// Largest inbound payload kept in RAM. Larger frames are skipped whole and reported.
// AVR: 256, so the client fits the 2 KB of an Arduino Uno with room for the sketch and the stack.
#ifndef HYPERTCP_RX_BUFFER_SIZE
#if defined(__AVR__)
#define HYPERTCP_RX_BUFFER_SIZE 256
#else
#define HYPERTCP_RX_BUFFER_SIZE 1024
#endif
#endif
// Outbound frames (header + payload) waiting for the socket. Holds the LOGIN frame too.
#ifndef HYPERTCP_TX_BUFFER_SIZE
#if defined(__AVR__)
#define HYPERTCP_TX_BUFFER_SIZE 256
#else
#define HYPERTCP_TX_BUFFER_SIZE 1024
#endif
#endif
// Bytes read from the transport per read call (stack buffer inside run()).
#ifndef HYPERTCP_READ_CHUNK
#define HYPERTCP_READ_CHUNK 128
#endif
// Read calls per run(): bounds the time one run() spends on a busy connection.
#ifndef HYPERTCP_READS_PER_RUN
#define HYPERTCP_READS_PER_RUN 8
#endif
#ifndef HYPERTCP_MAX_TOKEN_LENGTH
#define HYPERTCP_MAX_TOKEN_LENGTH 64
#endif
#ifndef HYPERTCP_MAX_HOST_LENGTH
#define HYPERTCP_MAX_HOST_LENGTH 64
#endif
#ifndef HYPERTCP_CONNECT_TIMEOUT_MS
#define HYPERTCP_CONNECT_TIMEOUT_MS 5000
#endif
#ifndef HYPERTCP_LOGIN_TIMEOUT_MS
#define HYPERTCP_LOGIN_TIMEOUT_MS 5000
#endif
// Silence from the broker after which we ping it. A v2 login reply's "keepalive" replaces it
// (at most 30 s, kBrokerProbeMs: a live broker probes every session that often).
#ifndef HYPERTCP_KEEPALIVE_MS
#define HYPERTCP_KEEPALIVE_MS 10000
#endif
// How long we wait for any frame after our ping before giving the connection up.
#ifndef HYPERTCP_PING_TIMEOUT_MS
#define HYPERTCP_PING_TIMEOUT_MS 5000
#endif
#ifndef HYPERTCP_RECONNECT_MIN_MS
#define HYPERTCP_RECONNECT_MIN_MS 1000
#endif
#ifndef HYPERTCP_RECONNECT_MAX_MS
#define HYPERTCP_RECONNECT_MAX_MS 30000
#endif
// Failed attempts at a redirect target before falling back to the original broker.
#ifndef HYPERTCP_REDIRECT_MAX_FAILURES
#define HYPERTCP_REDIRECT_MAX_FAILURES 3
#endif
// 1: follow the broker's REDIRECT frames. 0: leave the redirect code and its host copy out (about
// 0.3 KB flash, HYPERTCP_MAX_HOST_LENGTH + 5 B RAM); a REDIRECT is then reported as unknown_frame
// and the client stays with its broker.
#ifndef HYPERTCP_ENABLE_REDIRECT
#define HYPERTCP_ENABLE_REDIRECT 1
#endif
// ArduinoJson 6 only (Client.h): the StaticJsonDocument, on the stack, that inbound payloads are
// parsed into for the seed's JsonObject handlers; 512 is the seed's size.
#ifndef HYPERTCP_JSON_DOCUMENT_SIZE
#define HYPERTCP_JSON_DOCUMENT_SIZE 512
#endif
// 1: every JSON text the device accepts or sends is checked strictly like the broker does (UTF-8,
// escapes, numbers, literals, depth, no "__proto__"). 0: structure only (balanced brackets,
// terminated strings, keys and commas, depth, no "__proto__"): about 0.45 KB less flash; the
// sketch's own JSON library then meets any malformed detail, and the broker still refuses
// malformed outbound payloads.
#ifndef HYPERTCP_STRICT_JSON
#define HYPERTCP_STRICT_JSON 1
#endif

// Hashes of object keys the JSON scanner keeps on the stack (2 bytes each) to find a key repeated
// in one object without rereading the object for every key (docs/FIRMWARE.md, "Repeated keys").
// Shared by the objects open at one time; when it is full, the enclosing objects' entries are
// released to the inner one, then batches of keys are checked in one walk back over their object
// each: slower, as exact. 120 covers a 1 KB payload of short keys. 0: no table and none of its
// code (about 2 KB flash on AVR and on ESP8266), every key compared by walking back over its
// object, time quadratic in the object's member count; the AVR default, where RAM allows payloads
// of a few hundred bytes, so an object holds few keys.
#ifndef HYPERTCP_JSON_KEY_HASHES
#if defined(__AVR__)
#define HYPERTCP_JSON_KEY_HASHES 0
#else
#define HYPERTCP_JSON_KEY_HASHES 120
#endif
#endif

#if HYPERTCP_RX_BUFFER_SIZE < 64 || HYPERTCP_RX_BUFFER_SIZE > 65535
#error "HYPERTCP_RX_BUFFER_SIZE must be 64..65535"
#endif
#if HYPERTCP_TX_BUFFER_SIZE < 128 || HYPERTCP_TX_BUFFER_SIZE > 65535
#error "HYPERTCP_TX_BUFFER_SIZE must be 128..65535"
#endif
#if HYPERTCP_READ_CHUNK < 16 || HYPERTCP_READ_CHUNK > 1024
#error "HYPERTCP_READ_CHUNK must be 16..1024"
#endif
#if HYPERTCP_READS_PER_RUN < 1 || HYPERTCP_READS_PER_RUN > 64
#error "HYPERTCP_READS_PER_RUN must be 1..64"
#endif
#if HYPERTCP_MAX_TOKEN_LENGTH < 8 || HYPERTCP_MAX_TOKEN_LENGTH > 128
#error "HYPERTCP_MAX_TOKEN_LENGTH must be 8..128"
#endif
#if HYPERTCP_MAX_HOST_LENGTH < 8 || HYPERTCP_MAX_HOST_LENGTH > 253
#error "HYPERTCP_MAX_HOST_LENGTH must be 8..253"
#endif
#if HYPERTCP_CONNECT_TIMEOUT_MS < 100 || HYPERTCP_CONNECT_TIMEOUT_MS > 60000
#error "HYPERTCP_CONNECT_TIMEOUT_MS must be 100..60000"
#endif
#if HYPERTCP_LOGIN_TIMEOUT_MS < 100 || HYPERTCP_LOGIN_TIMEOUT_MS > 60000
#error "HYPERTCP_LOGIN_TIMEOUT_MS must be 100..60000"
#endif
#if HYPERTCP_KEEPALIVE_MS < 500 || HYPERTCP_KEEPALIVE_MS > 600000
#error "HYPERTCP_KEEPALIVE_MS must be 500..600000"
#endif
#if HYPERTCP_PING_TIMEOUT_MS < 200 || HYPERTCP_PING_TIMEOUT_MS > 60000
#error "HYPERTCP_PING_TIMEOUT_MS must be 200..60000"
#endif
#if HYPERTCP_RECONNECT_MIN_MS < 50 || HYPERTCP_RECONNECT_MIN_MS > HYPERTCP_RECONNECT_MAX_MS
#error "HYPERTCP_RECONNECT_MIN_MS must be 50..HYPERTCP_RECONNECT_MAX_MS"
#endif
#if HYPERTCP_RECONNECT_MAX_MS > 3600000
#error "HYPERTCP_RECONNECT_MAX_MS must be at most 3600000 (one hour)"
#endif
#if HYPERTCP_JSON_KEY_HASHES != 0 && (HYPERTCP_JSON_KEY_HASHES < 4 || HYPERTCP_JSON_KEY_HASHES > 4096)
#error "HYPERTCP_JSON_KEY_HASHES must be 0 or 4..4096"
#endif
#if HYPERTCP_STRICT_JSON != 0 && HYPERTCP_STRICT_JSON != 1
#error "HYPERTCP_STRICT_JSON must be 0 or 1"
#endif
#if HYPERTCP_ENABLE_REDIRECT != 0 && HYPERTCP_ENABLE_REDIRECT != 1
#error "HYPERTCP_ENABLE_REDIRECT must be 0 or 1"
#endif
#if HYPERTCP_JSON_DOCUMENT_SIZE < 64 || HYPERTCP_JSON_DOCUMENT_SIZE > 65535
#error "HYPERTCP_JSON_DOCUMENT_SIZE must be 64..65535"
#endif
// The values that shape the client object, spelled into one symbol the library defines and every
// HyperTCPProtocol references: a sketch built with other values than the library (say a #define
// in the sketch) fails to link with "undefined reference to hypertcp_config_rx.._tx..", instead
// of running with two different object layouts.
#define HYPERTCP_CONFIG_NAME_(rx, tx, token, host, redirect, udp) \
  hypertcp_config_rx##rx##_tx##tx##_token##token##_host##host##_redirect##redirect##_udp##udp
#define HYPERTCP_CONFIG_NAME(rx, tx, token, host, redirect, udp) HYPERTCP_CONFIG_NAME_(rx, tx, token, host, redirect, udp)
#define HYPERTCP_CONFIG_SYMBOL                                                                                      \
  HYPERTCP_CONFIG_NAME(HYPERTCP_RX_BUFFER_SIZE, HYPERTCP_TX_BUFFER_SIZE, HYPERTCP_MAX_TOKEN_LENGTH, \
                       HYPERTCP_MAX_HOST_LENGTH, HYPERTCP_ENABLE_REDIRECT, HYPERTCP_ENABLE_UDP)

// 1: the client can carry a UDP side (udp/UdpLink.h, docs/FIRMWARE.md "UDP"); nothing is spent
// until a UdpLink is attached. 0 (the AVR default) leaves the seam out of the client.
#ifndef HYPERTCP_ENABLE_UDP
#if defined(__AVR__)
#define HYPERTCP_ENABLE_UDP 0
#else
#define HYPERTCP_ENABLE_UDP 1
#endif
#endif
#if HYPERTCP_ENABLE_UDP != 0 && HYPERTCP_ENABLE_UDP != 1
#error "HYPERTCP_ENABLE_UDP must be 0 or 1"
#endif
// The LOGIN with the longest token must fit the TX buffer, or no login is ever written: the frame
// header (5), {"v":2,"token":"..."} (18 + token; the legacy LOGIN is shorter) and ,"udp":true
// (11) when UDP is built in. The device description comes on top.
#if HYPERTCP_TX_BUFFER_SIZE < HYPERTCP_MAX_TOKEN_LENGTH + 23 + 11 * HYPERTCP_ENABLE_UDP
#error "HYPERTCP_MAX_TOKEN_LENGTH does not fit HYPERTCP_TX_BUFFER_SIZE: the TX buffer must hold the LOGIN, at least HYPERTCP_MAX_TOKEN_LENGTH + 34 bytes (+ 23 with HYPERTCP_ENABLE_UDP=0)"
#endif

#if HYPERTCP_REDIRECT_MAX_FAILURES < 1 || HYPERTCP_REDIRECT_MAX_FAILURES > 100
#error "HYPERTCP_REDIRECT_MAX_FAILURES must be 1..100"
#endif

#endif
