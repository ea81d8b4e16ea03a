// JNI entry points of TetherModule (dev.tether.reactnative): turn the Java-side JS runtime
// pointer and CallInvokerHolder into a jsi::Runtime and a react::CallInvoker, then call the
// platform-neutral installer in cpp/TetherJsi.cpp. Nothing else lives here.
#include <jni.h>

#include <memory>

#include <ReactCommon/CallInvokerHolder.h>
#include <fbjni/fbjni.h>
#include <jsi/jsi.h>

#include "TetherJsi.h"

namespace {

using facebook::react::CallInvoker;
using facebook::react::CallInvokerHolder;

// The C++ half of the Java CallInvokerHolderImpl (an fbjni hybrid object) owns the invoker.
std::shared_ptr<CallInvoker> callInvokerFrom(jobject holder) {
  if (holder == nullptr) return nullptr;
  auto javaHolder = facebook::jni::static_ref_cast<CallInvokerHolder::javaobject>(
      facebook::jni::wrap_alias(holder));
  return javaHolder->cthis()->getCallInvoker();
}

facebook::jsi::Runtime *runtimeFrom(jlong pointer) {
  return reinterpret_cast<facebook::jsi::Runtime *>(static_cast<intptr_t>(pointer));
}

} // namespace

extern "C" JNIEXPORT jboolean JNICALL
Java_dev_tether_reactnative_TetherModule_nativeInstallRustCrate(JNIEnv * /*env*/, jobject /*self*/,
                                                                 jlong runtime, jobject holder) {
  auto *jsRuntime = runtimeFrom(runtime);
  if (jsRuntime == nullptr) return JNI_FALSE;
  return tether::reactnative::installRustCrate(*jsRuntime, callInvokerFrom(holder)) ? JNI_TRUE
                                                                                     : JNI_FALSE;
}

extern "C" JNIEXPORT jboolean JNICALL
Java_dev_tether_reactnative_TetherModule_nativeCleanupRustCrate(JNIEnv * /*env*/, jobject /*self*/,
                                                                jlong runtime) {
  auto *jsRuntime = runtimeFrom(runtime);
  if (jsRuntime == nullptr) return JNI_FALSE;
  return tether::reactnative::cleanupRustCrate(*jsRuntime) ? JNI_TRUE : JNI_FALSE;
}
