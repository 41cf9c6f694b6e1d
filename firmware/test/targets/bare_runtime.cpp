// The little a freestanding C++ link needs that an Arduino core would provide.
extern "C" void __cxa_pure_virtual() {
  for (;;) {
  }
}
