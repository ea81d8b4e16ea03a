package dev.tether.reactnative

import com.facebook.react.BaseReactPackage
import com.facebook.react.bridge.NativeModule
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.module.model.ReactModuleInfo
import com.facebook.react.module.model.ReactModuleInfoProvider

/** Autolinking's entry point: offers [TetherModule] as a TurboModule. */
class TetherPackage : BaseReactPackage() {

    override fun getModule(name: String, reactContext: ReactApplicationContext): NativeModule? =
        if (name == NativeTetherSpec.NAME) TetherModule(reactContext) else null

    override fun getReactModuleInfoProvider(): ReactModuleInfoProvider = ReactModuleInfoProvider {
        mapOf(
            NativeTetherSpec.NAME to ReactModuleInfo(
                NativeTetherSpec.NAME,
                TetherModule::class.java.name,
                false, // canOverrideExistingModule
                true, // needsEagerInit: the observers start with React, before JS asks
                false, // isCxxModule
                true, // isTurboModule
            ),
        )
    }
}
