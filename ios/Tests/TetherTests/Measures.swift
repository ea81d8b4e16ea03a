import Darwin

// What the tests measure: gapless id ranges, the process's threads.

/// `prefix1 … prefixN` for the highest N among `ids`: what a lossless stream holds.
func contiguous(_ ids: [String], prefix: String) -> Set<String> {
    let highest = ids.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0
    return Set((0..<highest).map { "\(prefix)\($0 + 1)" })
}

/// This process's threads (Mach's count: every thread, Rust's and Swift's alike).
func nativeThreads() -> Int {
    var threads: thread_act_array_t?
    var count: mach_msg_type_number_t = 0
    guard task_threads(mach_task_self_, &threads, &count) == KERN_SUCCESS, let threads else {
        return 0
    }
    for index in 0..<Int(count) {
        mach_port_deallocate(mach_task_self_, threads[index])
    }
    let size = vm_size_t(Int(count) * MemoryLayout<thread_act_t>.stride)
    vm_deallocate(mach_task_self_, vm_address_t(UInt(bitPattern: threads)), size)
    return Int(count)
}
