import Foundation

/// The scenario's clock: which step is due when. As in tether-testkit, each step waits
/// `after_ms` after the previous one acted (steps with no delay act together); a looping
/// scenario whose steps take no time at all is played once. Times are monotonic nanoseconds.
struct ScenarioPlayer {
    private let scenario: Scenario
    private let looping: Bool
    private var stepIndex = 0
    private var iteration: UInt64 = 1
    private var dueAt: UInt64 = 0
    private var startedAt: UInt64 = 0
    private var epochMs: UInt64 = 0
    private var finished: Bool

    init(_ scenario: Scenario) {
        self.scenario = scenario
        looping = scenario.looping && scenario.passDurationMs > 0
        finished = scenario.steps.isEmpty || (!scenario.looping && scenario.passes == 0)
    }

    /// Starts the clock: `{{timestamp}}` counts from the wall clock now (or the scenario's
    /// `epoch_ms`) and advances with the monotonic clock.
    mutating func start(at now: UInt64) {
        startedAt = now
        epochMs = scenario.epochMs ?? UInt64(Date().timeIntervalSince1970 * 1000)
        if !finished {
            dueAt = now + scenario.steps[0].afterMs * 1_000_000
        }
    }

    func timestampMs(at now: UInt64) -> UInt64 {
        epochMs + (now - startedAt) / 1_000_000
    }

    /// The poll timeout until the next step: -1 (wait for sockets only) when none is left.
    func millisecondsToNextStep(at now: UInt64) -> Int32 {
        if finished { return -1 }
        if dueAt <= now { return 0 }
        // Rounded up, so the loop never wakes a hair early and spins.
        return Int32(min((dueAt - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    /// The next step if it is due, with the pass it belongs to (1 for the first).
    mutating func nextDueStep(at now: UInt64) -> (step: Scenario.Step, pass: UInt64)? {
        guard !finished, dueAt <= now else { return nil }
        let step = scenario.steps[stepIndex]
        let pass = iteration
        stepIndex += 1
        if stepIndex == scenario.steps.count {
            stepIndex = 0
            iteration += 1
            if !looping && iteration > (scenario.looping ? 1 : scenario.passes) {
                finished = true
                return (step: step, pass: pass)
            }
        }
        dueAt = now + scenario.steps[stepIndex].afterMs * 1_000_000
        return (step: step, pass: pass)
    }
}
