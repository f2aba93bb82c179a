// libjpeg-turbo (JPEG, ITU-T T.81 | ISO/IEC 10918-1, DCT processes). Debian package: libjpeg62-turbo-dev.
#include <stdio.h>
#include <jpeglib.h>
