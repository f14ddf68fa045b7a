/*  sq_textclass: which department area a complaint is about, from its title and text.

    A linear model over hashed character n-grams (sq_ngram): Chinese needs no word
    segmentation, and n-grams of characters survive the wording differences between
    channels.  A document is the vector of log (1 + tf) * idf over its buckets, scaled to
    unit length; buckets never seen in training are ignored.

    A trainer collects labelled documents in memory and turns them into a model by
    multinomial logistic regression or a multi-class linear SVM (SGD), or by naive Bayes.
    Its probabilities are softmax (T * margins), with a temperature T fitted by the trainer
    (temperature scaling, option calibrate): the training documents are split into up to 5
    stratified folds, a model with the same options is fitted on all folds but one and
    scores the one held out, and T is the value that makes those out-of-fold scores give the
    true labels the highest likelihood.  Then the final model is fitted on every document.
    T only rescales the margins, so it never changes which class ranks first; it makes a
    probability p mean roughly "right p of the time", so that a confidence threshold works.
    Calibrating costs about as many extra fits as there are folds.

    A model is read-only once made or loaded: several threads may predict with one model at
    once.  Models are saved to a binary file with a magic, a version, the feature options,
    the temperature, the labels, the weights and a checksum; loading refuses a truncated, corrupt or foreign
    file with a message and never trusts a size it has not checked.  At the defaults (2^20
    buckets) a model of 7 labels takes 32 MiB in memory and on disk.

    The defaults (multi-class hinge loss, character 1- and 2-grams, 2^20 buckets, 30 epochs
    of SGD with the later half averaged, L2 1e-6) were chosen by 5-fold validation on the
    training split of the Teddy Cup 2020 complaint data, each fold holding out raw messages
    together with their word-segmented twins.
*/
#ifndef SQ_TEXTCLASS_H
#define SQ_TEXTCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_ngram.h"

typedef struct _sq_textclass_t sq_textclass_t;
typedef struct _sq_textclass_trainer_t sq_textclass_trainer_t;

typedef enum {
    SQ_TEXTCLASS_LOGISTIC = 0,      //  multinomial logistic regression
    SQ_TEXTCLASS_HINGE = 1,         //  multi-class linear SVM: margins, calibrated by T
    SQ_TEXTCLASS_NAIVE_BAYES = 2,   //  multinomial naive Bayes over the same weighted features
} sq_textclass_method_t;

#define SQ_TEXTCLASS_LABEL_MAX 255      //  bytes in one label
#define SQ_TEXTCLASS_CLASS_MAX 256      //  labels in one model

//  How text becomes features (saved in the model) and how the trainer fits (not saved).
typedef struct {
    sq_ngram_options_t features;
    sq_textclass_method_t method;
    int epochs;                         //  1..1000 passes of SGD; the later half is averaged
    double learning_rate;               //  initial SGD step, (0, 100]
    double l2;                          //  L2 penalty per example, [0, 1]
    double nb_alpha;                    //  naive Bayes smoothing, (0, 100]
    uint64_t seed;                      //  SGD shuffling and folds; same seed, same model
    bool calibrate;                     //  fit the temperature T (default); false: T = 1
} sq_textclass_options_t;

//  One class and how likely the model finds it.
typedef struct {
    size_t label_index;                 //  0 .. sq_textclass_label_count () - 1
    const char *label;                  //  borrowed from the model
    double probability;                 //  0..1; the scores of all classes sum to 1
} sq_textclass_score_t;

//  Fill options with the defaults.
void sq_textclass_options_defaults(sq_textclass_options_t *options);

//  Set one option by name: the field names above and those of sq_ngram_options_t (ngram_min,
//  ngram_max, hash_bits, title_weight, drop_punctuation, fold_digits, max_chars, stop_chars);
//  calibrate is a boolean (default true: fit the temperature; false: T = 1, faster);
//  method is logistic, hinge or naive_bayes; booleans are true/false.  Returns 0, or -1 with
//  a message in error naming key and range.
int sq_textclass_options_set(sq_textclass_options_t *options, const char *key, const char *value,
                             char *error, size_t error_size);

//  Check every option's range.  Returns 0, or -1 with a message in error.
int sq_textclass_options_check(const sq_textclass_options_t *options, char *error,
                               size_t error_size);

//  The normalised form of text under options' features (sq_ngram_normalize): a new UTF-8
//  string the caller frees; NULL only when out of memory.  text may be any bytes.
char *sq_textclass_normalize(const sq_textclass_options_t *options, const char *text);

//  The buckets of text's n-grams under options' features (sq_ngram_buckets): writes at most
//  max and returns how many n-grams the text has.
size_t sq_textclass_ngrams(const sq_textclass_options_t *options, const char *text,
                           uint32_t *buckets, size_t max);

//  A trainer with a copy of options (NULL: the defaults).  Returns NULL when an option is out
//  of range (logged) or out of memory.
sq_textclass_trainer_t *sq_textclass_trainer_new(const sq_textclass_options_t *options);

//  Add one labelled document; title may be NULL or "".  Returns 0, or -1 (logged) when label
//  is empty or longer than SQ_TEXTCLASS_LABEL_MAX, there would be more than
//  SQ_TEXTCLASS_CLASS_MAX labels, or memory runs out.
int sq_textclass_trainer_add(sq_textclass_trainer_t *self, const char *title, const char *body,
                             const char *label);

//  Documents added so far.
size_t sq_textclass_trainer_count(const sq_textclass_trainer_t *self);

//  Fit the model, and with options.calibrate its temperature first (fewer than 10 documents:
//  T = 1).  Consumes the trainer (*self_p becomes NULL, even on failure).  Returns the
//  model (the caller's: sq_textclass_destroy), or NULL (logged) with fewer than two labels or
//  out of memory.  Labels are numbered in the order they were first added.
sq_textclass_t *sq_textclass_trainer_finish(sq_textclass_trainer_t **self_p);

//  Free a trainer without fitting; safe on NULL and twice.
void sq_textclass_trainer_destroy(sq_textclass_trainer_t **self_p);

//  Classify one document (title may be NULL).  Fills top with up to top_count classes, best
//  first, with probabilities softmax (T * margins), and returns how many it filled
//  (min (top_count, label count)), or -1 when out of memory.  Thread-safe: the model is only
//  read.
int sq_textclass_predict(const sq_textclass_t *self, const char *title, const char *body,
                         sq_textclass_score_t *top, size_t top_count);

//  Write the model to path: to path.tmp.PID first (PID: this process), then renamed over
//  path, so that a reader never sees half a file, even when two processes save at once.  Returns 0, or -1 (logged with path and reason).
int sq_textclass_save(const sq_textclass_t *self, const char *path);

//  Read a model file.  Returns the model (the caller's), or NULL with a one-line message in
//  error naming path and what is wrong (missing, truncated, not a model, other version,
//  checksum mismatch, a size or the temperature out of range).  Files are version 3; a
//  version 2 file (before calibration) loads with T = 1 and a warning in the log.
sq_textclass_t *sq_textclass_load(const char *path, char *error, size_t error_size);

//  Number of labels, and label i (borrowed; NULL when i is out of range).
size_t sq_textclass_label_count(const sq_textclass_t *self);
const char *sq_textclass_label(const sq_textclass_t *self, size_t i);

//  The smoothed idf the model gives bucket (log ((1 + N) / (1 + df)) + 1 over its N training
//  documents), or 0 when no training document had it.
double sq_textclass_idf(const sq_textclass_t *self, uint32_t bucket);

//  The temperature T the model's margins are multiplied by before the softmax: fitted by
//  the trainer, 1 when not calibrated or loaded from a version 2 file.
double sq_textclass_temperature(const sq_textclass_t *self);

//  The options the model was made with (borrowed).  After sq_textclass_load only the feature
//  options are the saved ones; the training fields hold the defaults.
const sq_textclass_options_t *sq_textclass_options(const sq_textclass_t *self);

//  Free the model; safe on NULL and twice.
void sq_textclass_destroy(sq_textclass_t **self_p);

#endif
