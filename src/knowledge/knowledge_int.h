/* SPDX-License-Identifier: MIT */
/* Private to knowledge/: the service's state shared by service.c,
 * search.c and handlers.c. */
#ifndef SALIENT_KNOWLEDGE_INT_H
#define SALIENT_KNOWLEDGE_INT_H

#include "knowledge/knowledge.h"

#include <pthread.h>

/* One tenant's index. swap guards the pointer and version (searches hold
 * it for reading); reload serialises rebuilds. version is the store's
 * knowledge version the index reflects, -1 when it must be (re)loaded. */
typedef struct {
    char tenant_id[SAL_ID_CAP];
    kix_t *ix;
    int64_t version;
    pthread_rwlock_t swap;
    pthread_mutex_t reload;
} tenant_ix_t;

#define KN_MAX_CTX 16

struct knowledge {
    knowledge_opts_t o;
    char data_dir[3072]; /* room left for blobs/ab/<sha256> */
    char model_id[128];
    int dims;
    pthread_mutex_t lock; /* the tenants array */
    tenant_ix_t **tenants;
    size_t ntenants, cap;
    /* Query embedding contexts, made on demand and reused. */
    pthread_mutex_t ctx_lock;
    embed_ctx_t *ctx[KN_MAX_CTX];
    size_t nctx; /* made */
    bool busy[KN_MAX_CTX];
};

/* The tenant's index, loaded or reloaded from the store when it is not
 * current. The entry lives as long as the service. */
int kn_tenant_fresh(knowledge_t *kn, const char *tenant_id, tenant_ix_t **out);

#endif
