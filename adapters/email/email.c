/*  email: the e-mail adapter's set-up and the ingest of files (see email.h). */
#include "email.h"

#include <czmq.h>
#include <dirent.h>
#include <sys/stat.h>

#include "lmtp_server.h"
#include "sender.h"
#include "sq_log.h"
#include "sq_mail.h"
#include "sq_submit.h"
#include "take.h"

static const char *const s_channels[] = {"email", NULL};

struct _email_t {
    const sq_config_t *config;   //  borrowed
    sq_submit_t *submit;
    email_sender_t *sender;
    lmtp_server_t *lmtp;
};

email_t *email_new(const sq_config_t *config, bool listen)
{
    email_t *self = (email_t *) zmalloc(sizeof *self);
    self->config = config;
    sq_mail_init();
    //  ingest keeps no spool: the file is the durable copy, and one not taken now (451) is
    //  taken when ingest runs again; the listening adapter owns the channel's spool
    self->submit = sq_submit_open(config, config->email_broker_timeout_ms,
                                  config->email_broker_retries, s_channels, listen);
    if (!self->submit) {
        email_destroy(&self);
        return NULL;
    }
    if (listen && (!(self->sender = email_sender_new(config, self->submit))
                   || !(self->lmtp = lmtp_server_new(config, self->submit))))
        email_destroy(&self);
    return self;
}

//  One file: read (at most the message limit and one byte more), taken, one line printed.
//  Returns 0 when taken (250), 1 when not.
static int s_ingest_file(email_t *self, const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        printf("%s: cannot be read: %s\n", path, strerror(errno));
        return 1;
    }
    size_t most = (size_t) self->config->email_max_message_bytes + 1;
    char *bytes = (char *) malloc(most);
    size_t length = bytes ? fread(bytes, 1, most, file) : 0;
    fclose(file);
    email_take_result_t result;
    if (!bytes)
        snprintf(result.text, sizeof result.text, "no memory"), result.code = 451;
    else
        email_take(self->config, self->submit, bytes, length, &result);
    free(bytes);
    printf("%s: %d %s\n", path, result.code, result.text);
    fflush(stdout);
    return result.code == 250 ? 0 : 1;
}

//  The messages of one Maildir folder (new/ or cur/), in name order.
static int s_ingest_folder(email_t *self, const char *folder)
{
    struct dirent **names = NULL;
    int count = scandir(folder, &names, NULL, alphasort);
    int failed = 0;
    for (int i = 0; i < count; i++) {
        if (names[i]->d_name[0] != '.') {
            char *path = zsys_sprintf("%s/%s", folder, names[i]->d_name);
            struct stat info;
            if (stat(path, &info) == 0 && S_ISREG(info.st_mode))
                failed += s_ingest_file(self, path);
            zstr_free(&path);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int email_ingest(email_t *self, const char *path)
{
    struct stat info;
    if (stat(path, &info)) {
        printf("%s: cannot be read: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(info.st_mode))
        return s_ingest_file(self, path);
    char *fresh = zsys_sprintf("%s/new", path), *seen = zsys_sprintf("%s/cur", path);
    int failed = 0;
    if (stat(fresh, &info) || !S_ISDIR(info.st_mode)) {
        printf("%s: a folder that is not a Maildir (no new/ inside)\n", path);
        failed = 1;
    }
    else
        failed = s_ingest_folder(self, fresh) + s_ingest_folder(self, seen);
    zstr_free(&fresh);
    zstr_free(&seen);
    return failed;
}

void email_destroy(email_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    email_t *self = *self_p;
    lmtp_server_destroy(&self->lmtp);
    email_sender_destroy(&self->sender);
    sq_submit_destroy(&self->submit);
    free(self);
    *self_p = NULL;
}
