// OpenJPEG glue: decoding from a memory buffer, errors collected into a message.
#include "anchor_codecs.h"
#include <stdio.h>
#include <string.h>
#include <openjpeg.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} memory_stream;

static OPJ_SIZE_T mem_read(void *buffer, OPJ_SIZE_T count, void *user) {
    memory_stream *s = (memory_stream *)user;
    if (s->offset >= s->size) return (OPJ_SIZE_T)-1;
    size_t n = s->size - s->offset;
    if (n > count) n = count;
    memcpy(buffer, s->data + s->offset, n);
    s->offset += n;
    return n;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T count, void *user) {
    memory_stream *s = (memory_stream *)user;
    if (count < 0) {
        if ((size_t)(-count) > s->offset) return -1;
        s->offset -= (size_t)(-count);
        return count;
    }
    size_t n = s->size - s->offset;
    if ((size_t)count < n) n = (size_t)count;
    s->offset += n;
    return (OPJ_OFF_T)n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T to, void *user) {
    memory_stream *s = (memory_stream *)user;
    if (to < 0 || (size_t)to > s->size) return OPJ_FALSE;
    s->offset = (size_t)to;
    return OPJ_TRUE;
}

typedef struct {
    char *message;
    size_t size;
} message_sink;

static void on_error(const char *msg, void *user) {
    message_sink *m = (message_sink *)user;
    if (!m->message || m->size == 0 || m->message[0] != 0) return; // keep the first error
    snprintf(m->message, m->size, "%s", msg);
    size_t len = strlen(m->message);
    while (len > 0 && (m->message[len - 1] == '\n' || m->message[len - 1] == ' ')) m->message[--len] = 0;
}

static void on_quiet(const char *msg, void *user) { (void)msg; (void)user; }

void *anchor_j2k_decode(const uint8_t *data, size_t size, char *message, size_t messageSize,
                        char *warning, size_t warningSize) {
    if (message && messageSize > 0) message[0] = 0;
    if (warning && warningSize > 0) warning[0] = 0;
    message_sink sink = { message, messageSize };
    message_sink warnings = { warning, warningSize };
    // A JP2 file starts with its signature box; a raw codestream with SOC then SIZ (T.800 A.4.1, A.5.1).
    static const uint8_t jp2sig[12] = { 0, 0, 0, 12, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a };
    OPJ_CODEC_FORMAT format = OPJ_CODEC_J2K;
    if (size >= 12 && memcmp(data, jp2sig, 12) == 0) format = OPJ_CODEC_JP2;
    memory_stream ms = { data, size, 0 };
    opj_stream_t *stream = opj_stream_create(1 << 16, OPJ_TRUE);
    if (!stream) { snprintf(message, messageSize, "cannot create a stream"); return NULL; }
    opj_stream_set_user_data(stream, &ms, NULL);
    opj_stream_set_user_data_length(stream, (OPJ_UINT64)size);
    opj_stream_set_read_function(stream, mem_read);
    opj_stream_set_skip_function(stream, mem_skip);
    opj_stream_set_seek_function(stream, mem_seek);
    opj_codec_t *codec = opj_create_decompress(format);
    if (!codec) { opj_stream_destroy(stream); snprintf(message, messageSize, "cannot create a decoder"); return NULL; }
    opj_set_error_handler(codec, on_error, &sink);
    opj_set_warning_handler(codec, on_error, &warnings);
    opj_set_info_handler(codec, on_quiet, NULL);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    opj_image_t *image = NULL;
    int ok = opj_setup_decoder(codec, &params) &&
             opj_read_header(stream, codec, &image) &&
             opj_decode(codec, stream, image) &&
             opj_end_decompress(codec, stream);
    opj_destroy_codec(codec);
    opj_stream_destroy(stream);
    if (!ok) {
        if (image) opj_image_destroy(image);
        if (message && messageSize > 0 && message[0] == 0) snprintf(message, messageSize, "OpenJPEG could not decode the codestream");
        return NULL;
    }
    return image;
}

void anchor_j2k_free(void *image) {
    if (image) opj_image_destroy((opj_image_t *)image);
}
