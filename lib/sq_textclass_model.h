/*  sq_textclass_model: the inside of a classifier model, shared by the trainer and
    predictor (sq_textclass.c) and the model file code (sq_textclass_file.c) only.  Nothing
    else includes this header: everyone else sees the opaque sq_textclass_t.
*/
#ifndef SQ_TEXTCLASS_MODEL_H
#define SQ_TEXTCLASS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sq_textclass.h"

#define S_MAGIC "SQTXTCL\x1a"
#define S_MAGIC_SIZE 8
#define S_VERSION 3                       //  3 added the temperature; 2 is read with T = 1
#define S_TEMPERATURE_FILE_MAX 1e6        //  a file's temperature beyond this is corrupt
#define S_FILE_MAX ((size_t) 4 << 30)     //  no sane model is larger

struct _sq_textclass_t {
    sq_textclass_options_t options;
    size_t class_count;
    char **labels;
    size_t bucket_count;
    uint32_t *row_of;    //  [bucket]: 1 + its row when training saw it, else 0 (ignored)
    size_t row_count;    //  buckets seen in training: the model only stores these
    float *idf;          //  [row]
    float *weights;      //  [row * class_count + class]
    float *bias;         //  [class]
    double temperature;  //  probabilities are softmax (temperature * margins)
};

//  A model with room for its labels and biases, every bucket unseen, temperature 1.
//  NULL when out of memory.
sq_textclass_t *sq_textclass_model_new(const sq_textclass_options_t *options, size_t class_count);

//  Room for row_count rows of idf and weights.  0, or -1 when out of memory.
int sq_textclass_model_rows(sq_textclass_t *self, size_t row_count);

//  Write a message into error (when not NULL) and return -1.
int sq_textclass_fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
