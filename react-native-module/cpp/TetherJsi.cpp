#include "TetherJsi.h"

#include <exception>
#include <iostream>

#include "generated/tether_ffi.hpp"

namespace tether::reactnative {

bool installRustCrate(facebook::jsi::Runtime &runtime,
                      std::shared_ptr<facebook::react::CallInvoker> callInvoker) {
  if (!callInvoker) {
    std::cerr << "tether: installRustCrate without a CallInvoker" << std::endl;
    return false;
  }
  try {
    NativeTetherFfi::registerModule(runtime, std::move(callInvoker));
    return true;
  } catch (const std::exception &error) {
    std::cerr << "tether: installRustCrate failed: " << error.what() << std::endl;
    return false;
  }
}

bool cleanupRustCrate(facebook::jsi::Runtime &runtime) {
  try {
    NativeTetherFfi::unregisterModule(runtime);
    return true;
  } catch (const std::exception &error) {
    std::cerr << "tether: cleanupRustCrate failed: " << error.what() << std::endl;
    return false;
  }
}

} // namespace tether::reactnative
