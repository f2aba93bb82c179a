// libjpeg-turbo glue: an error manager that long-jumps back instead of exiting the process, and a
// source manager over a memory buffer.
#include "anchor_codecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t messageSize;
    int lostData;
} anchor_error_mgr;

static void anchor_error_exit(j_common_ptr cinfo) {
    anchor_error_mgr *err = (anchor_error_mgr *)cinfo->err;
    if (err->message && err->messageSize > 0) {
        (*cinfo->err->format_message)(cinfo, err->message);
    }
    longjmp(err->jump, 1);
}

static void anchor_emit_message(j_common_ptr cinfo, int level) {
    anchor_error_mgr *err = (anchor_error_mgr *)cinfo->err;
    if (level >= 0) return; // trace messages
    int code = cinfo->err->msg_code;
    // Warnings that mean samples were invented (zeros for missing data, skipped segments).
    if (code == JWRN_HIT_MARKER || code == JWRN_JPEG_EOF || code == JWRN_HUFF_BAD_CODE ||
        code == JWRN_MUST_RESYNC || code == JWRN_NOT_SEQUENTIAL || code == JWRN_BOGUS_PROGRESSION ||
        code == JWRN_TOO_MUCH_DATA) {
        if (!err->lostData && err->message && err->messageSize > 0) {
            (*cinfo->err->format_message)(cinfo, err->message);
        }
        err->lostData = 1;
    }
}

static void anchor_output_message(j_common_ptr cinfo) { (void)cinfo; }

static int start(struct jpeg_decompress_struct *cinfo, const uint8_t *data, size_t size, anchor_jpeg_info *info) {
    jpeg_mem_src(cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    info->width = cinfo->image_width;
    info->height = cinfo->image_height;
    info->components = (uint32_t)cinfo->num_components;
    info->precision = (uint32_t)cinfo->data_precision;
    info->colorSpace = (int32_t)cinfo->jpeg_color_space;
    return 0;
}

int anchor_jpeg_read_header(const uint8_t *data, size_t size, anchor_jpeg_info *info,
                            char *message, size_t messageSize) {
    struct jpeg_decompress_struct cinfo;
    anchor_error_mgr err;
    if (message && messageSize > 0) message[0] = 0;
    if (messageSize < JMSG_LENGTH_MAX) return -2;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = anchor_error_exit;
    err.base.emit_message = anchor_emit_message;
    err.base.output_message = anchor_output_message;
    err.message = message;
    err.messageSize = messageSize;
    err.lostData = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    start(&cinfo, data, size, info);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int anchor_jpeg_decode(const uint8_t *data, size_t size, int rgbUnlessMarked, anchor_jpeg_info *info,
                       uint8_t *out, size_t outSize, char *message, size_t messageSize) {
    struct jpeg_decompress_struct cinfo;
    anchor_error_mgr err;
    if (message && messageSize > 0) message[0] = 0;
    if (messageSize < JMSG_LENGTH_MAX) return -2;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = anchor_error_exit;
    err.base.emit_message = anchor_emit_message;
    err.base.output_message = anchor_output_message;
    err.message = message;
    err.messageSize = messageSize;
    err.lostData = 0;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    start(&cinfo, data, size, info);
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cinfo.num_components == 3) {
        if (rgbUnlessMarked && !cinfo.saw_JFIF_marker && !cinfo.saw_Adobe_marker) cinfo.jpeg_color_space = JCS_RGB;
        cinfo.out_color_space = JCS_RGB;
    } else {
        snprintf(message, messageSize, "%d components are not supported (1 or 3)", cinfo.num_components);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    size_t rowBytes = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (rowBytes == 0 || (size_t)cinfo.output_height > outSize / rowBytes) {
        snprintf(message, messageSize, "decoded image %ux%ux%d does not fit the %zu-byte frame",
                 cinfo.output_width, cinfo.output_height, cinfo.output_components, outSize);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * rowBytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) break;
        if (err.lostData) break;
    }
    if (err.lostData) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return err.lostData ? -1 : 0;
}
