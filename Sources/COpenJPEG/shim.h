// OpenJPEG (JPEG 2000, ITU-T T.800 | ISO/IEC 15444-1). Debian package: libopenjp2-7-dev.
#include <openjpeg.h>
