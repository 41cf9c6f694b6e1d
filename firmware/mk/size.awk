# Reads `size -A` output of a build and (optionally) of a baseline build; prints what the
# library adds. buffers = configured RX+TX buffer bytes, reported separately from the rest;
# rodata_in_ram=1 for targets that copy .rodata to RAM at boot (ESP8266).
function add(file, name, bytes) {
  if (name ~ /^\.(text|rodata|irom0\.text|literal)/) flash[file] += bytes
  if (name ~ /^\.rodata/ && rodata_in_ram) ram[file] += bytes  # ESP8266: constants live in DRAM
  if (name ~ /^\.data/) { flash[file] += bytes; ram[file] += bytes }
  if (name ~ /^\.bss/) ram[file] += bytes
}
FNR == 1 { file++ }
NF == 3 && $2 ~ /^[0-9]+$/ { add(file, $1, $2) }
END {
  f = flash[1] - flash[2]; r = ram[1] - ram[2]
  printf "  %-60s flash %6d B   RAM %5d B (%d B buffers + %d B state)\n", target, f, r, buffers, r - buffers
}
