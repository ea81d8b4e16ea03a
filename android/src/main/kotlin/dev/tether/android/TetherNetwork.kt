package dev.tether.android

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import dev.tether.NetworkState
import dev.tether.Tether
import dev.tether.setProcessNetwork
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Forwards the system's default network into the core's `setNetwork`: a default network
 * available is [NetworkState.ONLINE], the default network lost with nothing in its place is
 * [NetworkState.OFFLINE]. No decisions here: offline parks the core's retries, online resumes
 * at once without backoff, a repeated online changes nothing.
 *
 * `NET_CAPABILITY_VALIDATED` is deliberately not required: a network the system has not
 * validated (its probe host blocked, an enterprise proxy, a captive portal) may still reach the
 * app's server, and calling it offline would park the core's retries on a working network. On a
 * captive portal the core's own backoff handles the failing attempts.
 *
 * If there is no default network at registration, [NetworkState.OFFLINE] is forwarded first
 * (the framework sends no callback for "nothing"); otherwise the framework's first
 * `onAvailable` says online. Callbacks arrive on the framework's connectivity thread; each
 * forward is one non-blocking FFI call. Needs `ACCESS_NETWORK_STATE` (in this library's
 * manifest).
 */
class TetherNetwork private constructor(
    private val connectivity: ConnectivityManager,
    private val onNetwork: (NetworkState) -> Unit,
) : AutoCloseable {

    companion object {
        /**
         * Forwards the default network into the process-wide signal ([setProcessNetwork]) until
         * [close]: every client that follows it (the default) acts on it, and clients opened
         * later start in it. Register once per process.
         */
        @JvmStatic
        fun register(context: Context): TetherNetwork =
            register(context) { setProcessNetwork(it) }

        /** Forwards the default network into [tether] alone until [close] (for a client opened
         *  with `followProcessSignals = false`). */
        @JvmStatic
        fun register(context: Context, tether: Tether): TetherNetwork =
            register(context) { tether.setNetwork(it) }

        /** Forwards the default network into [onNetwork] until [close]. */
        @JvmStatic
        fun register(context: Context, onNetwork: (NetworkState) -> Unit): TetherNetwork {
            val connectivity = context.getSystemService(ConnectivityManager::class.java)
                ?: error("no ConnectivityManager on this device")
            val network = TetherNetwork(connectivity, onNetwork)
            if (connectivity.activeNetwork == null) onNetwork(NetworkState.OFFLINE)
            connectivity.registerDefaultNetworkCallback(network.callback)
            return network
        }
    }

    private val closed = AtomicBoolean(false)

    /** The default network the last `onAvailable` named (written on the connectivity thread). */
    @Volatile private var current: Network? = null

    /** Exposed for tests that drive the framework callbacks directly. */
    val callback: ConnectivityManager.NetworkCallback = object : ConnectivityManager.NetworkCallback() {
        override fun onAvailable(network: Network) {
            current = network
            onNetwork(NetworkState.ONLINE)
        }

        override fun onLost(network: Network) {
            // When the default moves (Wi-Fi → cellular) the new network's onAvailable may come
            // before the old one's onLost: only losing the current default is offline.
            if (current != null && current != network) return
            current = null
            onNetwork(NetworkState.OFFLINE)
        }
    }

    /** Stops forwarding. Idempotent. */
    override fun close() {
        if (closed.compareAndSet(false, true)) connectivity.unregisterNetworkCallback(callback)
    }
}
