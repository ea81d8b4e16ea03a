#import "TetherModule.h"

#include <memory>

#include "TetherTurboModule.h"

// The Swift half of this pod (module name Tether): TetherProcessObservers.
#if __has_include(<Tether/Tether-Swift.h>)
#import <Tether/Tether-Swift.h>
#else
#import "Tether-Swift.h"
#endif

@implementation TetherModule

RCT_EXPORT_MODULE(Tether)

+ (BOOL)requiresMainQueueSetup
{
  return NO;
}

- (instancetype)init
{
  if (self = [super init]) {
    // Process-wide and idempotent: a reload makes a new module, not new observers.
    dispatch_async(dispatch_get_main_queue(), ^{
      [TetherProcessObservers start];
    });
  }
  return self;
}

- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params
{
  return std::make_shared<tether::reactnative::TetherTurboModule>(params.jsInvoker);
}

@end
