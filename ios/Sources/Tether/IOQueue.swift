import Dispatch

/// Runs blocking FFI work (`hydrate` and `clear` write the cache file) on a GCD queue and
/// resumes the caller when it is done, so neither the main actor nor a thread of Swift's small
/// cooperative pool waits on the disk: the Kotlin layer's `Dispatchers.IO`.
func onIOQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
