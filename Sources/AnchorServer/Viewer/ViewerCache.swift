import Foundation

/// Decoded case versions kept in memory, least recently used dropped first, so scrolling through a
/// case decodes its files once. A version's files never change, so an entry never goes stale. Two
/// requests for a version being loaded wait for the same load.
actor ViewerCache {
    /// At most this many versions ...
    let capacity: Int
    /// ... and about this many bytes (a 512 x 512 x 200 CT is 100 MB as Int16).
    let byteBudget: Int
    private var entries: [UUID: Task<ViewerCase, Error>] = [:]
    private var sizes: [UUID: Int] = [:]
    private var order: [UUID] = []

    init(capacity: Int = 4, byteBudget: Int = 1 << 30) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    /// The decoded version, loading it with `load` when it is not held.
    func get(_ key: UUID, load: @escaping @Sendable () async throws -> ViewerCase) async throws -> ViewerCase {
        if let task = entries[key] {
            touch(key)
            return try await task.value
        }
        let task = Task { try await load() }
        entries[key] = task
        touch(key)
        do {
            let value = try await task.value
            sizes[key] = value.byteSize
            evict(keeping: key)
            return value
        } catch {
            // A failed load is not kept: the next request tries again.
            entries[key] = nil
            order.removeAll { $0 == key }
            throw error
        }
    }

    var count: Int { entries.count }

    private func touch(_ key: UUID) {
        order.removeAll { $0 == key }
        order.append(key)
    }

    private func evict(keeping key: UUID) {
        while order.count > 1, order.count > capacity || sizes.values.reduce(0, +) > byteBudget {
            guard let victim = order.first(where: { $0 != key }) else { break }
            order.removeAll { $0 == victim }
            entries[victim] = nil
            sizes[victim] = nil
        }
    }
}
