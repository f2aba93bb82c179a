// The system zlib (https://zlib.net), for raw DEFLATE (RFC 1951) and CRC-32 in AnchorDICOM.
#include <zlib.h>
