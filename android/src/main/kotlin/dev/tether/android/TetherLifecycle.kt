package dev.tether.android

import android.app.Activity
import android.app.Application
import android.content.ComponentCallbacks2
import android.content.res.Configuration
import android.os.Bundle
import dev.tether.AppState
import dev.tether.Tether
import dev.tether.setProcessAppState

/**
 * Forwards the process's foreground/background transitions into the core (by default the
 * process-wide `setProcessAppState`). No decisions here: the core debounces background with a grace period (1 s by
 * default, so a rotation's stop/start pair or a quick app switch never reaches the socket),
 * closes the stream cleanly once it passes and resumes at once, with `Last-Event-ID`, in the
 * foreground.
 *
 * Two framework signals, both forwarded as they come:
 * - [Application.ActivityLifecycleCallbacks]: the number of started activities going 0 → 1 is
 *   [AppState.FOREGROUND], 1 → 0 is [AppState.BACKGROUND] (the same count AndroidX's
 *   `ProcessLifecycleOwner` keeps, without its 700 ms delay: the core's debounce does that job).
 * - [ComponentCallbacks2.onTrimMemory] with [ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN]: the
 *   system's own "all UI is hidden" signal, a second [AppState.BACKGROUND].
 *
 * Register it in `Application.onCreate`, before any activity starts; nothing is sent at
 * registration (a process started for a broadcast or a job stays in whatever state the core
 * was opened in until an activity starts). Callbacks arrive on the main thread; each forward
 * is one non-blocking FFI call (a command queued to the core's runtime).
 */
class TetherLifecycle private constructor(
    private val application: Application,
    startedActivities: Int,
    private val onAppState: (AppState) -> Unit,
) : Application.ActivityLifecycleCallbacks, ComponentCallbacks2, AutoCloseable {

    companion object {
        /**
         * Forwards [application]'s lifecycle into the process-wide signal ([setProcessAppState])
         * until [close]: every client that follows it (the default) acts on it, including the
         * clients React Native's JavaScript opens, and clients opened later start in it.
         * Register once per process; [startedActivities] is how many activities are started
         * now (registering late, e.g. from a React Native module: 1 while an activity shows).
         */
        @JvmStatic
        @JvmOverloads
        fun register(application: Application, startedActivities: Int = 0): TetherLifecycle =
            register(application, startedActivities) { setProcessAppState(it) }

        /** Forwards [application]'s lifecycle into [tether] alone until [close] (for a client
         *  opened with `followProcessSignals = false`). */
        @JvmStatic
        fun register(application: Application, tether: Tether): TetherLifecycle =
            register(application) { tether.setAppState(it) }

        /** Forwards [application]'s lifecycle into [onAppState] until [close]; see the
         *  process-wide `register` for [startedActivities]. */
        @JvmStatic
        fun register(
            application: Application,
            startedActivities: Int = 0,
            onAppState: (AppState) -> Unit,
        ): TetherLifecycle {
            val lifecycle = TetherLifecycle(application, startedActivities, onAppState)
            application.registerActivityLifecycleCallbacks(lifecycle)
            application.registerComponentCallbacks(lifecycle)
            return lifecycle
        }
    }

    /** Started, not yet stopped activities. Main thread only (the framework's contract). */
    private var started = startedActivities.coerceAtLeast(0)

    override fun onActivityStarted(activity: Activity) {
        started += 1
        if (started == 1) onAppState(AppState.FOREGROUND)
    }

    override fun onActivityStopped(activity: Activity) {
        // Registered late (an activity was already started)? Never count below zero.
        if (started == 0) return
        started -= 1
        if (started == 0) onAppState(AppState.BACKGROUND)
    }

    override fun onTrimMemory(level: Int) {
        if (level == ComponentCallbacks2.TRIM_MEMORY_UI_HIDDEN) onAppState(AppState.BACKGROUND)
    }

    /** Stops forwarding. Idempotent (the framework ignores unknown callbacks). */
    override fun close() {
        application.unregisterActivityLifecycleCallbacks(this)
        application.unregisterComponentCallbacks(this)
    }

    override fun onActivityCreated(activity: Activity, savedInstanceState: Bundle?) {}
    override fun onActivityResumed(activity: Activity) {}
    override fun onActivityPaused(activity: Activity) {}
    override fun onActivitySaveInstanceState(activity: Activity, outState: Bundle) {}
    override fun onActivityDestroyed(activity: Activity) {}
    override fun onConfigurationChanged(newConfig: Configuration) {}
    @Deprecated("ComponentCallbacks.onLowMemory is deprecated in the framework")
    override fun onLowMemory() {}
}
