/*  test_textclass: n-gram features of Chinese text, training on a few hand-written complaints,
    prediction, and the model file (sq_ngram and sq_textclass).  Every text here is made up. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_textclass.h"
#include "suites.h"

//  Ten made-up complaints for each of three topics, and some held out.
static const char *s_noise[] = {
    "楼下酒吧每天晚上噪音很大，吵得无法入睡",   "工地夜间施工噪音扰民，凌晨还在打桩",
    "广场舞音响声音太大，严重影响居民休息",     "隔壁装修电钻噪音从早到晚不停",
    "马路上货车鸣笛噪音太吵了",                 "小区旁边的KTV半夜噪音扰民",
    "商铺门口大喇叭循环播放广告，噪音刺耳",     "夜里施工机器轰鸣，噪声超标",
    "楼上空调外机噪音很大，晚上睡不着",         "菜市场凌晨卸货吵闹，噪音影响休息",
};
static const char *s_lamp[] = {
    "小区门口路灯坏了一个月没人修",       "人行道路灯不亮，晚上走路很危险",
    "这条街的路灯晚上经常熄灭",           "路灯杆倾斜快要倒了，请派人维修",
    "村里道路没有安装路灯，夜间出行不便", "桥上的路灯白天一直亮着浪费电",
    "公园里的路灯灯罩破损，灯泡不亮",     "十字路口路灯损坏，晚上漆黑一片",
    "新修的马路至今没有通电，路灯不亮",   "小巷里路灯坏了好几盏，希望尽快修复",
};
static const char *s_canteen[] = {
    "学校食堂饭菜里吃出了虫子",         "单位食堂的菜价太贵，分量又少",
    "食堂卫生条件差，餐具没有消毒",     "孩子在学校食堂吃饭后拉肚子",
    "食堂饭菜经常是凉的，学生吃不饱",   "大学食堂饭菜质量下降，价格上涨",
    "食堂工作人员不戴口罩和帽子",       "食堂的米饭有异味，怀疑用了陈米",
    "工厂食堂伙食太差，员工意见很大",   "幼儿园食堂食材过期，家长很担心",
};

static const struct {
    const char *title, *body, *label;
} s_held_out[] = {
    {NULL, "晚上楼下施工噪音太大，吵得睡不着", "噪音"},
    {"", "我家门口的路灯不亮了", "路灯"},
    {NULL, "学校食堂的饭菜不卫生", "食堂"},
    {"路灯损坏", "已经好几天了，请尽快处理", "路灯"},
    {"食堂问题", "饭菜太差", "食堂"},
};
#define S_HELD_OUT (sizeof s_held_out / sizeof s_held_out[0])

static sq_textclass_options_t s_small_options(sq_textclass_method_t method)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    options.features.hash_bits = 16;   //  small and fast under valgrind
    options.method = method;
    if (method == SQ_TEXTCLASS_NAIVE_BAYES)
        options.features.title_weight = 2;
    return options;
}

static sq_textclass_t *s_train(const sq_textclass_options_t *options)
{
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(options);
    ck_assert_ptr_nonnull(trainer);
    for (size_t i = 0; i < 10; i++) {
        ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, s_noise[i], "噪音"), 0);
        ck_assert_int_eq(sq_textclass_trainer_add(trainer, "", s_lamp[i], "路灯"), 0);
        ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, s_canteen[i], "食堂"), 0);
    }
    ck_assert_uint_eq(sq_textclass_trainer_count(trainer), 30);
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    ck_assert_ptr_null(trainer);
    ck_assert_ptr_nonnull(model);
    return model;
}

static char *s_temp_path(const char *name)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/test_textclass_%d_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int) getpid(), name);
    return path;
}

static void s_write_file(const char *path, const void *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(fwrite(data, 1, size, file), size);
    fclose(file);
}

//  Put the FNV-1a 64 checksum of data's all but last 8 bytes there, and write it to path.
static void s_rewrite_checksum(const char *path, unsigned char *data, size_t size)
{
    uint64_t checksum = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < size - 8; i++)
        checksum = (checksum ^ data[i]) * 0x100000001B3ULL;
    for (int i = 0; i < 8; i++)
        data[size - 8 + i] = (unsigned char) (checksum >> (8 * i));
    s_write_file(path, data, size);
}

START_TEST(ngrams_of_chinese_text_are_counted_and_hashed_the_same_every_time)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    options.features.ngram_min = 1;
    options.features.ngram_max = 3;
    uint32_t first[16], second[16], word[4];
    //  4 characters: 4 unigrams, 3 bigrams, 2 trigrams
    ck_assert_uint_eq(sq_textclass_ngrams(&options, "噪音扰民", first, 16), 9);
    ck_assert_uint_eq(sq_textclass_ngrams(&options, "噪音扰民", second, 16), 9);
    ck_assert_mem_eq(first, second, sizeof first[0] * 9);
    for (size_t i = 0; i < 9; i++)
        ck_assert_uint_lt(first[i], 1u << options.features.hash_bits);
    //  at each position the shortest n-gram comes first: 噪, 噪音, 噪音扰, 音, ...
    ck_assert_uint_eq(sq_textclass_ngrams(&options, "噪音", word, 4), 3);
    ck_assert_uint_eq(word[0], first[0]);
    ck_assert_uint_eq(word[1], first[1]);
    ck_assert_uint_eq(word[2], first[3]);
    ck_assert_uint_ne(first[0], first[3]);   //  噪 and 音 differ (with these options)
    //  punctuation and spaces do not change the n-grams; more than max are counted, not written
    ck_assert_uint_eq(sq_textclass_ngrams(&options, " 噪音！！扰 民。", second, 2), 9);
    ck_assert_mem_eq(first, second, sizeof first[0] * 2);
    ck_assert_uint_eq(sq_textclass_ngrams(&options, "", first, 16), 0);
    ck_assert_uint_eq(sq_textclass_ngrams(&options, "，。！", first, 16), 0);
}
END_TEST

START_TEST(text_is_normalised_before_ngrams)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    char *text = sq_textclass_normalize(&options, "ＡＢｃ　１２３，噪音 Noise!\t扰民。");
    ck_assert_str_eq(text, "abc123噪音noise扰民");
    free(text);
    options.features.fold_digits = true;
    options.features.drop_punctuation = false;
    snprintf(options.features.stop_chars, sizeof options.features.stop_chars, "的了");
    text = sq_textclass_normalize(&options, "A3区的路灯坏了，2024年");
    ck_assert_str_eq(text, "a0区路灯坏,0000年");
    free(text);
    text = sq_textclass_normalize(&options, NULL);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

START_TEST(invalid_utf8_is_skipped_safely)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    //  a stray byte, a lead byte followed by a new character, an overlong "/", a surrogate, a
    //  sequence cut off by the end of the string
    char *text = sq_textclass_normalize(&options, "\xff噪\xc3音\xc0\xaf\xed\xa0\x80扰民\xe5\x99");
    ck_assert_str_eq(text, "噪音扰民");
    free(text);
    sq_textclass_options_t small = s_small_options(SQ_TEXTCLASS_HINGE);
    sq_textclass_t *model = s_train(&small);
    const char *garbage[] = {"\xff\xfe\xfd", "\xe5", "\xf4\x90\x80\x80", "\xc3", "", "\x01\x02"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        sq_textclass_score_t top[3];
        ck_assert_int_eq(sq_textclass_predict(model, garbage[i], garbage[i], top, 3), 3);
        ck_assert(top[0].probability >= top[1].probability);
    }
    //  random bytes: no crash, always an answer
    unsigned char bytes[512];
    uint64_t state = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof bytes - 1; i++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes[i] = (unsigned char) (state >> 56);
            if (!bytes[i])
                bytes[i] = 0xE5;
        }
        bytes[sizeof bytes - 1] = 0;
        sq_textclass_score_t top[1];
        ck_assert_int_eq(sq_textclass_predict(model, (char *) bytes, (char *) bytes, top, 1), 1);
    }
    sq_textclass_destroy(&model);
}
END_TEST

START_TEST(a_small_hand_written_set_is_learnt)
{
    sq_textclass_method_t methods[] = {SQ_TEXTCLASS_LOGISTIC, SQ_TEXTCLASS_HINGE,
                                       SQ_TEXTCLASS_NAIVE_BAYES};
    for (size_t m = 0; m < 3; m++) {
        sq_textclass_options_t options = s_small_options(methods[m]);
        sq_textclass_t *model = s_train(&options);
        ck_assert_uint_eq(sq_textclass_label_count(model), 3);
        ck_assert_str_eq(sq_textclass_label(model, 0), "噪音");
        ck_assert_str_eq(sq_textclass_label(model, 2), "食堂");
        ck_assert_ptr_null(sq_textclass_label(model, 3));
        for (size_t i = 0; i < S_HELD_OUT; i++) {
            sq_textclass_score_t top[1];
            ck_assert_int_eq(sq_textclass_predict(model, s_held_out[i].title, s_held_out[i].body,
                                                  top, 1),
                             1);
            ck_assert_msg(strcmp(top[0].label, s_held_out[i].label) == 0,
                          "method %zu: \"%s\" was taken for %s, not %s", m, s_held_out[i].body,
                          top[0].label, s_held_out[i].label);
            ck_assert_str_eq(sq_textclass_label(model, top[0].label_index), top[0].label);
        }
        sq_textclass_destroy(&model);
        sq_textclass_destroy(&model);
        ck_assert_ptr_null(model);
    }
}
END_TEST

START_TEST(scores_are_ordered_and_probabilities_sum_to_one)
{
    sq_textclass_options_t options = s_small_options(SQ_TEXTCLASS_LOGISTIC);
    sq_textclass_t *model = s_train(&options);
    sq_textclass_score_t top[5];
    //  asking for more than there are gives every class once
    ck_assert_int_eq(sq_textclass_predict(model, NULL, "食堂饭菜里有虫子", top, 5), 3);
    ck_assert_str_eq(top[0].label, "食堂");
    ck_assert(top[0].probability > 0.5);
    double sum = 0;
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < 3; i++) {
        sum += top[i].probability;
        ck_assert(top[i].probability >= 0 && top[i].probability <= 1);
        if (i)
            ck_assert(top[i - 1].probability >= top[i].probability);
        ck_assert(!seen[top[i].label_index]);
        seen[top[i].label_index] = true;
    }
    ck_assert_double_eq_tol(sum, 1.0, 1e-9);
    ck_assert_int_eq(sq_textclass_predict(model, NULL, "路灯", top, 0), 0);
    sq_textclass_destroy(&model);
}
END_TEST

START_TEST(a_saved_model_loads_and_predicts_the_same)
{
    sq_textclass_options_t options = s_small_options(SQ_TEXTCLASS_HINGE);
    options.features.fold_digits = true;
    snprintf(options.features.stop_chars, sizeof options.features.stop_chars, "的");
    sq_textclass_t *model = s_train(&options);
    ck_assert(sq_textclass_temperature(model) != 1);   //  calibrated by default
    char *path = s_temp_path("model.bin");
    ck_assert_int_eq(sq_textclass_save(model, path), 0);
    char error[300] = "";
    sq_textclass_t *loaded = sq_textclass_load(path, error, sizeof error);
    ck_assert_msg(loaded != NULL, "%s", error);
    ck_assert_double_eq(sq_textclass_temperature(loaded), sq_textclass_temperature(model));
    ck_assert_uint_eq(sq_textclass_label_count(loaded), 3);
    for (size_t c = 0; c < 3; c++)
        ck_assert_str_eq(sq_textclass_label(loaded, c), sq_textclass_label(model, c));
    const sq_textclass_options_t *kept = sq_textclass_options(loaded);
    ck_assert(kept->features.fold_digits);
    ck_assert_str_eq(kept->features.stop_chars, "的");
    ck_assert_int_eq(kept->features.hash_bits, 16);
    for (size_t i = 0; i < S_HELD_OUT; i++) {
        sq_textclass_score_t before[3], after[3];
        ck_assert_int_eq(sq_textclass_predict(model, s_held_out[i].title, s_held_out[i].body,
                                              before, 3),
                         3);
        ck_assert_int_eq(sq_textclass_predict(loaded, s_held_out[i].title, s_held_out[i].body,
                                              after, 3),
                         3);
        for (size_t k = 0; k < 3; k++) {
            ck_assert_uint_eq(before[k].label_index, after[k].label_index);
            ck_assert_double_eq_tol(before[k].probability, after[k].probability, 1e-9);
        }
    }
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_int_ne(access(tmp, F_OK), 0);   //  renamed into place, nothing left behind
    sq_textclass_destroy(&loaded);
    sq_textclass_destroy(&model);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(calibration_rescales_probabilities_but_keeps_the_ranking)
{
    //  the same model with and without the temperature: the weights do not depend on it
    sq_textclass_method_t methods[] = {SQ_TEXTCLASS_HINGE, SQ_TEXTCLASS_LOGISTIC};
    for (size_t m = 0; m < 2; m++) {
        sq_textclass_options_t options = s_small_options(methods[m]);
        options.calibrate = false;
        sq_textclass_t *plain = s_train(&options);
        options.calibrate = true;
        sq_textclass_t *calibrated = s_train(&options);
        ck_assert_double_eq(sq_textclass_temperature(plain), 1);
        //  three topics apart: the held-out folds are all right, so T sharpens
        ck_assert_msg(sq_textclass_temperature(calibrated) > 1, "method %zu: T = %g", m,
                      sq_textclass_temperature(calibrated));
        for (size_t i = 0; i < S_HELD_OUT; i++) {
            sq_textclass_score_t before[3], after[3];
            ck_assert_int_eq(sq_textclass_predict(plain, s_held_out[i].title, s_held_out[i].body,
                                                  before, 3),
                             3);
            ck_assert_int_eq(sq_textclass_predict(calibrated, s_held_out[i].title,
                                                  s_held_out[i].body, after, 3),
                             3);
            for (size_t k = 0; k < 3; k++)
                ck_assert_uint_eq(before[k].label_index, after[k].label_index);
            ck_assert_str_eq(after[0].label, s_held_out[i].label);
            ck_assert_msg(after[0].probability > before[0].probability,
                          "method %zu, \"%s\": %.3f calibrated, %.3f before", m,
                          s_held_out[i].body, after[0].probability, before[0].probability);
        }
        sq_textclass_destroy(&plain);
        sq_textclass_destroy(&calibrated);
    }
}
END_TEST

START_TEST(damaged_or_foreign_files_are_refused_with_a_message)
{
    sq_textclass_options_t options = s_small_options(SQ_TEXTCLASS_LOGISTIC);
    options.features.hash_bits = 12;   //  a file of about 64 KiB
    sq_textclass_t *model = s_train(&options);
    char *path = s_temp_path("damaged.bin");
    ck_assert_int_eq(sq_textclass_save(model, path), 0);
    sq_textclass_destroy(&model);
    FILE *file = fopen(path, "rb");
    ck_assert_ptr_nonnull(file);
    static unsigned char data[1 << 20];
    size_t size = fread(data, 1, sizeof data, file);
    fclose(file);
    ck_assert_uint_gt(size, 1000);
    ck_assert_uint_lt(size, sizeof data);
    char error[300];

    s_write_file(path, data, size / 2);   //  truncated
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "corrupt") && strstr(error, path), "%s", error);

    s_write_file(path, data, 30);          //  cut inside the header
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "corrupt"), "%s", error);

    data[size / 3] ^= 0x40;                //  one bit flipped
    s_write_file(path, data, size);
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "checksum"), "%s", error);
    data[size / 3] ^= 0x40;

    data[0] = 'X';                         //  wrong magic
    s_write_file(path, data, size);
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "not a suqiu text-class model"), "%s", error);
    data[0] = 'S';

    //  a temperature that is not a positive finite number, under a valid checksum (after
    //  magic, version, five numbers, title weight and no stop characters)
    size_t temperature_at = 8 + 4 + 5 * 4 + 8 + 4;
    unsigned char saved_temperature[8];
    memcpy(saved_temperature, data + temperature_at, 8);
    const double bad_temperatures[] = {0.0, -2.0, NAN, INFINITY, 1e300};
    for (size_t i = 0; i < sizeof bad_temperatures / sizeof bad_temperatures[0]; i++) {
        memcpy(data + temperature_at, &bad_temperatures[i], 8);
        s_rewrite_checksum(path, data, size);
        ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
        ck_assert_msg(strstr(error, "corrupt") && strstr(error, "temperature"), "%s", error);
    }
    memcpy(data + temperature_at, saved_temperature, 8);
    s_rewrite_checksum(path, data, size);

    //  a size that lies, under a valid checksum: the row count (after the temperature, three
    //  labels of 6 bytes and three biases)
    size_t rows_at = temperature_at + 8 + 4 + 3 * (4 + 6) + 3 * 4;
    unsigned char saved[4];
    memcpy(saved, data + rows_at, 4);
    memset(data + rows_at, 0xFF, 4);
    s_write_file(path, data, size);
    s_rewrite_checksum(path, data, size);
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "rows do not fit"), "%s", error);
    memcpy(data + rows_at, saved, 4);
    s_rewrite_checksum(path, data, size);

    s_write_file(path, "", 0);             //  empty
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "empty"), "%s", error);

    s_write_file(path, "title,body,label\n", 17);   //  some other file
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "wrong magic"), "%s", error);

    s_write_file(path, data, size);        //  intact again: loads
    model = sq_textclass_load(path, error, sizeof error);
    ck_assert_msg(model != NULL, "%s", error);
    ck_assert(sq_textclass_temperature(model) != 1);
    sq_textclass_destroy(&model);

    //  version 2, before calibration (no temperature): loads with T = 1
    static unsigned char old[1 << 20];
    memcpy(old, data, temperature_at);
    memcpy(old + temperature_at, data + temperature_at + 8, size - temperature_at - 8);
    old[8] = 2;
    s_rewrite_checksum(path, old, size - 8);
    model = sq_textclass_load(path, error, sizeof error);
    ck_assert_msg(model != NULL, "%s", error);
    ck_assert_double_eq(sq_textclass_temperature(model), 1);
    sq_textclass_destroy(&model);
    old[8] = 9;                            //  a version from the future
    s_rewrite_checksum(path, old, size - 8);
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "version 9"), "%s", error);

    unlink(path);
    ck_assert_ptr_null(sq_textclass_load(path, error, sizeof error));
    ck_assert_msg(strstr(error, "cannot open"), "%s", error);
    free(path);
}
END_TEST

START_TEST(options_are_checked)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    char error[300];
    ck_assert_int_eq(sq_textclass_options_set(&options, "hash_bits", "18", error, sizeof error), 0);
    ck_assert_int_eq(options.features.hash_bits, 18);
    ck_assert_int_eq(sq_textclass_options_set(&options, "method", "logistic", error, sizeof error),
                     0);
    ck_assert_int_eq(options.method, SQ_TEXTCLASS_LOGISTIC);
    ck_assert_int_eq(sq_textclass_options_set(&options, "fold_digits", "true", error, sizeof error),
                     0);
    ck_assert(options.features.fold_digits);
    ck_assert_int_eq(sq_textclass_options_set(&options, "l2", "1e-5", error, sizeof error), 0);
    ck_assert(options.calibrate);
    ck_assert_int_eq(sq_textclass_options_set(&options, "calibrate", "false", error, sizeof error),
                     0);
    ck_assert(!options.calibrate);
    ck_assert_int_eq(sq_textclass_options_set(&options, "calibrate", "no", error, sizeof error),
                     -1);
    ck_assert_msg(strstr(error, "calibrate"), "%s", error);
    ck_assert(!options.calibrate);
    ck_assert_int_eq(sq_textclass_options_set(&options, "hash_bits", "40", error, sizeof error),
                     -1);
    ck_assert_msg(strstr(error, "hash_bits"), "%s", error);
    ck_assert_int_eq(options.features.hash_bits, 18);   //  unchanged by a refused value
    ck_assert_int_eq(sq_textclass_options_set(&options, "ngram_max", "x", error, sizeof error), -1);
    ck_assert_int_eq(sq_textclass_options_set(&options, "method", "svm", error, sizeof error), -1);
    ck_assert_int_eq(sq_textclass_options_set(&options, "colour", "red", error, sizeof error), -1);
    ck_assert_msg(strstr(error, "no option"), "%s", error);
    ck_assert_int_eq(sq_textclass_options_check(&options, error, sizeof error), 0);
    options.features.ngram_min = 3;
    options.features.ngram_max = 2;
    ck_assert_int_eq(sq_textclass_options_check(&options, error, sizeof error), -1);
    ck_assert_ptr_null(sq_textclass_trainer_new(&options));
}
END_TEST

START_TEST(a_trainer_needs_two_labels_and_sane_labels)
{
    sq_textclass_options_t options = s_small_options(SQ_TEXTCLASS_HINGE);
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(&options);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "路灯坏了", ""), -1);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "路灯坏了", NULL), -1);
    char long_label[SQ_TEXTCLASS_LABEL_MAX + 2];
    memset(long_label, 'x', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = 0;
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "路灯坏了", long_label), -1);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "路灯坏了", "路灯"), 0);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, NULL, "路灯"), 0);   //  no text
    ck_assert_ptr_null(sq_textclass_trainer_finish(&trainer));
    ck_assert_ptr_null(trainer);
    ck_assert_ptr_null(sq_textclass_trainer_finish(&trainer));
    //  too few documents to calibrate: T = 1
    trainer = sq_textclass_trainer_new(&options);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "路灯坏了", "路灯"), 0);
    ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, "噪音扰民", "噪音"), 0);
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    ck_assert_ptr_nonnull(model);
    ck_assert_double_eq(sq_textclass_temperature(model), 1);
    sq_textclass_destroy(&model);
    trainer = sq_textclass_trainer_new(NULL);
    ck_assert_ptr_nonnull(trainer);
    sq_textclass_trainer_destroy(&trainer);
    sq_textclass_trainer_destroy(&trainer);
}
END_TEST

Suite *test_textclass_suite(void)
{
    Suite *suite = suite_create("textclass");
    TCase *tc = tcase_create("textclass");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ngrams_of_chinese_text_are_counted_and_hashed_the_same_every_time);
    tcase_add_test(tc, text_is_normalised_before_ngrams);
    tcase_add_test(tc, invalid_utf8_is_skipped_safely);
    tcase_add_test(tc, a_small_hand_written_set_is_learnt);
    tcase_add_test(tc, scores_are_ordered_and_probabilities_sum_to_one);
    tcase_add_test(tc, a_saved_model_loads_and_predicts_the_same);
    tcase_add_test(tc, calibration_rescales_probabilities_but_keeps_the_ranking);
    tcase_add_test(tc, damaged_or_foreign_files_are_refused_with_a_message);
    tcase_add_test(tc, options_are_checked);
    tcase_add_test(tc, a_trainer_needs_two_labels_and_sane_labels);
    suite_add_tcase(suite, tc);
    return suite;
}
