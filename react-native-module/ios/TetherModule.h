// The `Tether` TurboModule on iOS. A thin entry point: the module itself is the C++
// tether::reactnative::TetherTurboModule (cpp/TetherTurboModule.h); the lifecycle and network
// observers are the Swift layer's (TetherProcessObservers.swift).
#import <Foundation/Foundation.h>
#import <React/RCTBridgeModule.h>
#import <ReactCommon/RCTTurboModule.h>

@interface TetherModule : NSObject <RCTBridgeModule, RCTTurboModule>
@end
