/*
 * One Rust image per process: loads the host build of libtether-react-native.so (the JSI
 * bindings) and libtether_ffi.so in the order given, the way an app process does (JS installs
 * the bindings; the Kotlin layer's JNA opens "libtether_ffi.so" by name), and checks that
 * every uniffi entry point the bindings resolve is the one in the single loaded
 * libtether_ffi.so. Built and run by scripts/test-rn-native with LD_LIBRARY_PATH=target/debug.
 *
 *   one-image <path/to/libtether-react-native.so> rn-first|ffi-first
 *
 * Exit 0 and one line "one-image: ok …" on success; 1 with the reason otherwise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const SYMBOLS[] = {
    "ffi_tether_ffi_uniffi_contract_version",
    "uniffi_tether_ffi_fn_func_set_process_app_state",
    "uniffi_tether_ffi_fn_func_set_process_network",
    "uniffi_tether_ffi_fn_func_shared_client",
};

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "one-image: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) return fail("usage: one-image <libtether-react-native.so> rn-first|ffi-first", NULL);
  int ffi_first = strcmp(argv[2], "ffi-first") == 0;
  if (!ffi_first && strcmp(argv[2], "rn-first") != 0) return fail("unknown order", argv[2]);

  void *ffi = NULL;
  if (ffi_first && !(ffi = dlopen("libtether_ffi.so", RTLD_NOW | RTLD_LOCAL))) {
    return fail("dlopen libtether_ffi.so", dlerror());
  }
  void *rn = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!rn) return fail("dlopen (every symbol must resolve at load)", dlerror());

  /* RTLD_NOLOAD only finds a library that is already mapped: the bindings' DT_NEEDED one. */
  void *loaded = dlopen("libtether_ffi.so", RTLD_NOW | RTLD_NOLOAD);
  if (!loaded) return fail("libtether_ffi.so is not loaded after the bindings", dlerror());
  if (ffi_first && loaded != ffi) return fail("a second libtether_ffi.so image was loaded", NULL);
  /* What JNA does later: open by name. It must return the same image. */
  void *by_name = dlopen("libtether_ffi.so", RTLD_NOW);
  if (by_name != loaded) return fail("opening libtether_ffi.so by name gave another image", NULL);

  const char *image = NULL;
  for (size_t i = 0; i < sizeof SYMBOLS / sizeof SYMBOLS[0]; i++) {
    void *through_bindings = dlsym(rn, SYMBOLS[i]);
    void *in_ffi = dlsym(loaded, SYMBOLS[i]);
    if (!through_bindings || !in_ffi) return fail("symbol missing", SYMBOLS[i]);
    if (through_bindings != in_ffi) return fail("the bindings resolve another copy of", SYMBOLS[i]);
    Dl_info info;
    if (!dladdr(in_ffi, &info) || !info.dli_fname) return fail("dladdr failed for", SYMBOLS[i]);
    if (!strstr(info.dli_fname, "libtether_ffi.so")) return fail("defined outside libtether_ffi.so", info.dli_fname);
    image = info.dli_fname;
  }

  uint32_t (*contract_version)(void) = (uint32_t (*)(void))dlsym(loaded, SYMBOLS[0]);
  printf("one-image: ok (%s, %zu entry points from %s, uniffi contract %u)\n", argv[2],
         sizeof SYMBOLS / sizeof SYMBOLS[0], image, contract_version());
  return 0;
}
