/* libmicrohttpd, loaded when an HTTP server starts (see dl.h): the daemon, connection and
 * response functions the HTTP transport and the simulators use. The variadic calls forward
 * their option lists to the library's va_list forms, or read the one argument they take. */
#define MHD_NO_DEPRECATION 1
#include <microhttpd.h>
#include <stdarg.h>

#include "dl/dl.h"

static sb_dl_lib g_mhd = {.soname = SB_DL_SONAME_MHD};

SB_DL_WRAP_VOID(g_mhd, MHD_stop_daemon, (struct MHD_Daemon *d), (d))
SB_DL_WRAP(g_mhd, MHD_socket, MHD_quiesce_daemon, (struct MHD_Daemon *d), (d), MHD_INVALID_SOCKET)
SB_DL_WRAP(g_mhd, int, MHD_get_connection_values,
           (struct MHD_Connection *c, enum MHD_ValueKind k, MHD_KeyValueIterator it, void *cls),
           (c, k, it, cls), 0)
SB_DL_WRAP(g_mhd, const char *, MHD_lookup_connection_value,
           (struct MHD_Connection *c, enum MHD_ValueKind k, const char *key), (c, k, key), NULL)
SB_DL_WRAP(g_mhd, size_t, MHD_http_unescape, (char *val), (val), 0)
SB_DL_WRAP(g_mhd, enum MHD_Result, MHD_queue_response,
           (struct MHD_Connection *c, unsigned int status, struct MHD_Response *r), (c, status, r),
           MHD_NO)
SB_DL_WRAP_VOID(g_mhd, MHD_suspend_connection, (struct MHD_Connection *c), (c))
SB_DL_WRAP_VOID(g_mhd, MHD_resume_connection, (struct MHD_Connection *c), (c))
SB_DL_WRAP(g_mhd, struct MHD_Response *, MHD_create_response_from_callback,
           (uint64_t size, size_t block, MHD_ContentReaderCallback crc, void *cls,
            MHD_ContentReaderFreeCallback crfc),
           (size, block, crc, cls, crfc), NULL)
SB_DL_WRAP(g_mhd, struct MHD_Response *, MHD_create_response_from_buffer,
           (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode), NULL)
SB_DL_WRAP_VOID(g_mhd, MHD_destroy_response, (struct MHD_Response *r), (r))
SB_DL_WRAP(g_mhd, enum MHD_Result, MHD_add_response_header,
           (struct MHD_Response *r, const char *h, const char *v), (r, h, v), MHD_NO)
SB_DL_WRAP(g_mhd, enum MHD_Result, MHD_del_response_header,
           (struct MHD_Response *r, const char *h, const char *v), (r, h, v), MHD_NO)
SB_DL_WRAP(g_mhd, enum MHD_Result, MHD_is_feature_supported, (enum MHD_FEATURE f), (f), MHD_NO)

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    __typeof__(MHD_start_daemon_va) *fn = SB_DL_RESOLVE(g_mhd, MHD_start_daemon_va);
    if (!fn)
        return NULL;
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = fn(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

/* The info queries take no argument beyond the type for every type the project asks for. */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...)
{
    __typeof__(MHD_get_daemon_info) *fn = SB_DL_RESOLVE(g_mhd, MHD_get_daemon_info);
    if (!fn)
        return NULL;
    return fn(d, t);
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
                                                        enum MHD_ConnectionInfoType t, ...)
{
    __typeof__(MHD_get_connection_info) *fn = SB_DL_RESOLVE(g_mhd, MHD_get_connection_info);
    if (!fn)
        return NULL;
    return fn(c, t);
}

/* MHD_CONNECTION_OPTION_TIMEOUT, the only option, takes an unsigned int. */
enum MHD_Result MHD_set_connection_option(struct MHD_Connection *c, enum MHD_CONNECTION_OPTION o, ...)
{
    __typeof__(MHD_set_connection_option) *fn = SB_DL_RESOLVE(g_mhd, MHD_set_connection_option);
    if (!fn)
        return MHD_NO;
    va_list ap;
    va_start(ap, o);
    enum MHD_Result rc = fn(c, o, va_arg(ap, unsigned int));
    va_end(ap);
    return rc;
}
