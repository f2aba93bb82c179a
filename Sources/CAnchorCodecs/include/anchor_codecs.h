// Small C glue around libjpeg-turbo and OpenJPEG for AnchorDICOM's pixel decoders: the parts that
// need C (libjpeg's error exit must not return, so it long-jumps; OpenJPEG reads through a stream of
// callbacks). Every function reports failure through its return value and a message, never by exiting.
#ifndef ANCHOR_CODECS_H
#define ANCHOR_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// Geometry of an 8-bit DCT JPEG stream as libjpeg reads it.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t components;
    uint32_t precision;
    /// libjpeg's J_COLOR_SPACE of the compressed data (1 grayscale, 2 RGB, 3 YCbCr, ...).
    int32_t colorSpace;
} anchor_jpeg_info;

/// Decodes a whole 8-bit JPEG (DCT) stream into `out`: rows of width * components bytes, samples
/// interleaved; three-component YCbCr is converted to RGB (libjpeg's rules: JFIF, Adobe transform flag,
/// component identifiers). With `rgbUnlessMarked` nonzero, three components in a stream with neither a
/// JFIF nor an Adobe marker are taken as RGB (no colour transform) instead of YCbCr. Returns 0 on
/// success; otherwise nonzero with `message` set. Warnings that mean lost data (premature end, bad
/// Huffman code, resynchronisation) count as failures.
int anchor_jpeg_decode(const uint8_t *data, size_t size, int rgbUnlessMarked, anchor_jpeg_info *info,
                       uint8_t *out, size_t outSize, char *message, size_t messageSize);

/// Reads only the header of an 8-bit JPEG stream. Returns 0 on success.
int anchor_jpeg_read_header(const uint8_t *data, size_t size, anchor_jpeg_info *info,
                            char *message, size_t messageSize);

/// Decodes a JPEG 2000 codestream (or a JP2 file) with OpenJPEG; returns the image (free it with
/// anchor_j2k_free) or NULL with `message` set. The returned pointer is an opj_image_t. The first
/// warning OpenJPEG gave (a short stream, for one) is left in `warning`, empty when there was none.
void *anchor_j2k_decode(const uint8_t *data, size_t size, char *message, size_t messageSize,
                        char *warning, size_t warningSize);

/// Frees an image returned by anchor_j2k_decode.
void anchor_j2k_free(void *image);

#endif
