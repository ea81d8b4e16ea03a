package dev.tether.reactnative

import android.app.Application
import android.content.Context
import dev.tether.android.TetherLifecycle
import dev.tether.android.TetherNetwork
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Starts, once per process, the Android layer's observers (`dev.tether.android`) feeding the
 * core's process-wide signals: every client, opened from JS or from native code, now or later,
 * follows them. The observers run on framework threads, independent of the JS thread, and live
 * as long as the process (a React reload creates a new [TetherModule], not new observers).
 */
internal object TetherProcessObservers {
    private val started = AtomicBoolean(false)

    /**
     * Returns true if this call started the observers, false if they were already running.
     * [activityShowing]: an activity is started now (React Native creates its modules after
     * the first activity started, so the observer's count must not begin at zero).
     */
    fun start(context: Context, activityShowing: Boolean): Boolean {
        val application = context.applicationContext as? Application
            ?: error("Tether: the application context is not an android.app.Application")
        if (!started.compareAndSet(false, true)) return false
        TetherLifecycle.register(application, if (activityShowing) 1 else 0)
        TetherNetwork.register(application)
        return true
    }
}
