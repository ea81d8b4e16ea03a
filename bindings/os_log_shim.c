// Apple targets only (built by build.rs): os_log_with_type is a macro whose format string must
// be a literal, so Rust calls this function instead. The message is Tether's own text, which
// never carries tokens or payloads at info level and above: it is marked public.
#include <os/log.h>
#include <stdint.h>

void tether_os_log(os_log_t log, uint8_t type, const char *message) {
    os_log_with_type(log, (os_log_type_t)type, "%{public}s", message);
}
