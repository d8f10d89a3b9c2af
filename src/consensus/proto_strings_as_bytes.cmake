# cmake -DIN=<file.proto> -DOUT=<file.proto> -P proto_strings_as_bytes.cmake
#
# Copies a CometBFT .proto into the build directory with every `string` field declared `bytes`.
# Why: C++ protobuf rejects a proto3 `string` field holding invalid UTF-8 when parsing, but
# CometBFT's Go code (gogoproto) neither checks nor cleans it, and some of those fields come from
# anyone who can reach the node's RPC (`abci_query?path=0xff`). Parsing strictly would let one
# HTTP request drop the ABCI connection and stop the validator. `bytes` has the same wire format
# and the same C++ type (std::string), so nothing else changes.
file(READ ${IN} text)
# (CMake's regex has no usable optional groups, hence two passes.)
set(field "([ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*=)")
string(REGEX REPLACE "(\n[ \t]*repeated[ \t]+)string${field}" "\\1bytes\\2" text "${text}")
string(REGEX REPLACE "(\n[ \t]*)string${field}" "\\1bytes\\2" text "${text}")
if(text MATCHES "\n[ \t]*(repeated[ \t]+)?string[ \t]")
  message(FATAL_ERROR "proto_strings_as_bytes: a string field was left in ${IN}")
endif()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
