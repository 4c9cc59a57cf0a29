/* libcrypto (OpenSSL 3), loaded on the first JWT, bearer-token or session-id operation (see
 * dl.h): the digest, HMAC, signature-verification, key-import and random functions of the
 * HTTP transport. OPENSSL_free is a macro for CRYPTO_free, which is wrapped instead.
 *
 * Without libcrypto every check fails closed: verification, key import and RAND_bytes answer
 * OpenSSL's own failure values, and SHA256 (whose result the token table does not check)
 * writes a digest no other call ever writes, so that no bearer token can match. The load
 * error goes to stderr once, saying that tokens are refused. OPENSSL_cleanse needs no
 * library: explicit_bzero does the same, and wiping a secret at shutdown loads nothing. */
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>

#include "dl/dl.h"

static sb_dl_lib g_crypto = {
    .soname = SB_DL_SONAME_CRYPTO,
    .without = "JWT signatures and bearer tokens cannot be checked: every token is refused",
};

/* ---- digests and MACs --------------------------------------------------------------------- */

/* A SHA-256 stand-in when libcrypto is missing: a marker and a process-wide serial number,
 * so no two failed digests are equal (a token never matches a table entry). */
static void unmatchable_digest(unsigned char *md)
{
    static uint64_t serial;
    uint64_t n = __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED);
    memset(md, 0xA5, SHA256_DIGEST_LENGTH);
    memcpy(md, &n, sizeof n);
}

unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md)
{
    __typeof__(SHA256) *fn = SB_DL_RESOLVE(g_crypto, SHA256);
    if (fn)
        return fn(d, n, md);
    if (md)
        unmatchable_digest(md);
    return NULL;
}

SB_DL_WRAP(g_crypto, unsigned char *, HMAC,
           (const EVP_MD *md, const void *key, int key_len, const unsigned char *data,
            size_t data_len, unsigned char *out, unsigned int *out_len),
           (md, key, key_len, data, data_len, out, out_len), NULL)
SB_DL_WRAP(g_crypto, const EVP_MD *, EVP_sha256, (void), (), NULL)
SB_DL_WRAP(g_crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)
SB_DL_WRAP_FREE(g_crypto, EVP_MD_CTX_free, EVP_MD_CTX *)
SB_DL_WRAP(g_crypto, int, EVP_DigestInit_ex, (EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *e),
           (ctx, type, e), 0)
SB_DL_WRAP(g_crypto, int, EVP_DigestUpdate, (EVP_MD_CTX *ctx, const void *d, size_t n),
           (ctx, d, n), 0)
SB_DL_WRAP(g_crypto, int, EVP_DigestFinal_ex, (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s),
           (ctx, md, s), 0)

/* Any answer but 0 means "different", which is what a missing library must say. */
SB_DL_WRAP(g_crypto, int, CRYPTO_memcmp, (const void *a, const void *b, size_t len), (a, b, len), 1)

void OPENSSL_cleanse(void *ptr, size_t len)
{
    if (ptr)
        explicit_bzero(ptr, len);
}

void CRYPTO_free(void *ptr, const char *file, int line)
{
    if (!ptr)
        return;
    __typeof__(CRYPTO_free) *fn = SB_DL_RESOLVE(g_crypto, CRYPTO_free);
    if (fn)
        fn(ptr, file, line);
}

SB_DL_WRAP(g_crypto, int, RAND_bytes, (unsigned char *buf, int num), (buf, num), 0)

/* ---- signature verification --------------------------------------------------------------- */

SB_DL_WRAP(g_crypto, int, EVP_DigestVerifyInit,
           (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
           (ctx, pctx, type, e, pkey), 0)
SB_DL_WRAP(g_crypto, int, EVP_DigestVerify,
           (EVP_MD_CTX *ctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
            size_t tbslen),
           (ctx, sig, siglen, tbs, tbslen), 0)
SB_DL_WRAP(g_crypto, BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret),
           (s, len, ret), NULL)
SB_DL_WRAP_FREE(g_crypto, BN_free, BIGNUM *)
SB_DL_WRAP(g_crypto, ECDSA_SIG *, ECDSA_SIG_new, (void), (), NULL)
SB_DL_WRAP_FREE(g_crypto, ECDSA_SIG_free, ECDSA_SIG *)
SB_DL_WRAP(g_crypto, int, ECDSA_SIG_set0, (ECDSA_SIG *sig, BIGNUM *r, BIGNUM *s), (sig, r, s), 0)
SB_DL_WRAP(g_crypto, int, i2d_ECDSA_SIG, (const ECDSA_SIG *sig, unsigned char **pp), (sig, pp), -1)

/* ---- public keys: PEM files and JWK members ------------------------------------------------ */

SB_DL_WRAP(g_crypto, EVP_PKEY *, PEM_read_PUBKEY,
           (FILE *fp, EVP_PKEY **x, pem_password_cb *cb, void *u), (fp, x, cb, u), NULL)
SB_DL_WRAP_FREE(g_crypto, EVP_PKEY_free, EVP_PKEY *)
SB_DL_WRAP(g_crypto, int, EVP_PKEY_get_base_id, (const EVP_PKEY *pkey), (pkey), EVP_PKEY_NONE)
SB_DL_WRAP(g_crypto, int, EVP_PKEY_get_bits, (const EVP_PKEY *pkey), (pkey), 0)
SB_DL_WRAP(g_crypto, int, EVP_PKEY_get_group_name,
           (const EVP_PKEY *pkey, char *name, size_t name_sz, size_t *gname_len),
           (pkey, name, name_sz, gname_len), 0)
SB_DL_WRAP(g_crypto, EVP_PKEY_CTX *, EVP_PKEY_CTX_new_from_name,
           (OSSL_LIB_CTX *libctx, const char *name, const char *propquery), (libctx, name, propquery),
           NULL)
SB_DL_WRAP_FREE(g_crypto, EVP_PKEY_CTX_free, EVP_PKEY_CTX *)
SB_DL_WRAP(g_crypto, int, EVP_PKEY_fromdata_init, (EVP_PKEY_CTX *ctx), (ctx), 0)
SB_DL_WRAP(g_crypto, int, EVP_PKEY_fromdata,
           (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey, int selection, OSSL_PARAM param[]),
           (ctx, ppkey, selection, param), 0)
SB_DL_WRAP(g_crypto, OSSL_PARAM_BLD *, OSSL_PARAM_BLD_new, (void), (), NULL)
SB_DL_WRAP_FREE(g_crypto, OSSL_PARAM_BLD_free, OSSL_PARAM_BLD *)
SB_DL_WRAP(g_crypto, int, OSSL_PARAM_BLD_push_BN, (OSSL_PARAM_BLD *bld, const char *key, const BIGNUM *bn),
           (bld, key, bn), 0)
SB_DL_WRAP(g_crypto, int, OSSL_PARAM_BLD_push_octet_string,
           (OSSL_PARAM_BLD *bld, const char *key, const void *buf, size_t bsize), (bld, key, buf, bsize), 0)
SB_DL_WRAP(g_crypto, int, OSSL_PARAM_BLD_push_utf8_string,
           (OSSL_PARAM_BLD *bld, const char *key, const char *buf, size_t bsize), (bld, key, buf, bsize), 0)
SB_DL_WRAP(g_crypto, OSSL_PARAM *, OSSL_PARAM_BLD_to_param, (OSSL_PARAM_BLD *bld), (bld), NULL)
SB_DL_WRAP_FREE(g_crypto, OSSL_PARAM_free, OSSL_PARAM *)
