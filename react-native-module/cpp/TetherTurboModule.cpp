#include "TetherTurboModule.h"

#include <utility>

#include "TetherJsi.h"

namespace tether::reactnative {

TetherTurboModule::TetherTurboModule(std::shared_ptr<facebook::react::CallInvoker> jsInvoker)
    : NativeTetherCxxSpec(std::move(jsInvoker)) {}

bool TetherTurboModule::installRustCrate(facebook::jsi::Runtime &runtime) {
  // jsInvoker_ (TurboModule's) runs work on this runtime's JS thread: Rust callbacks use it.
  return tether::reactnative::installRustCrate(runtime, jsInvoker_);
}

bool TetherTurboModule::cleanupRustCrate(facebook::jsi::Runtime &runtime) {
  return tether::reactnative::cleanupRustCrate(runtime);
}

} // namespace tether::reactnative
