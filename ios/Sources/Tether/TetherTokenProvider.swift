/// A `TokenProvider` from an async closure:
/// `ClientConfig(..., tokenProvider: TetherTokenProvider { refresh in try await auth.token(refresh) })`.
///
/// It is asked before every attempt and with `refresh == true` after a 401/403. Throw
/// `TokenProviderError.Fatal` to fail the connection; any other error backs off and retries.
/// Returning `nil` sends no `Authorization` header. When the core stops waiting (the client
/// closes mid-request) the task running the closure is cancelled.
public final class TetherTokenProvider: TokenProvider {
    private let block: @Sendable (_ refresh: Bool) async throws -> String?

    public init(_ block: @escaping @Sendable (_ refresh: Bool) async throws -> String?) {
        self.block = block
    }

    public func token(refresh: Bool) async throws -> String? {
        try await block(refresh)
    }
}
