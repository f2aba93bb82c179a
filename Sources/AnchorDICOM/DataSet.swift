import Foundation

/// An ordered collection of data elements (PS3.5 section 7): the content of a file or of a sequence item.
///
/// Elements are kept in ascending tag order (the standard's order; out-of-order files are sorted on read),
/// so lookup is a binary search.
public struct DataSet: Sendable {
    public private(set) var elements: [DataElement]
    /// Byte order of the raw value bytes (from the transfer syntax alone).
    public var isLittleEndian: Bool
    /// The character set for text values: this data set's (0008,0005) or the enclosing data set's.
    public var characterSet: SpecificCharacterSet

    public init(elements: [DataElement] = [], isLittleEndian: Bool = true, characterSet: SpecificCharacterSet = .default) {
        self.isLittleEndian = isLittleEndian
        self.characterSet = characterSet
        var sorted = elements
        if !sorted.isSortedByTag { sorted.sort { $0.tag < $1.tag } }
        self.elements = sorted
    }

    @inlinable public var count: Int { elements.count }
    @inlinable public var isEmpty: Bool { elements.isEmpty }

    /// Index of `tag` in `elements`, by binary search.
    public func index(of tag: Tag) -> Int? {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let t = elements[mid].tag
            if t == tag { return mid }
            if t < tag { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    public subscript(tag: Tag) -> DataElement? {
        guard let i = index(of: tag) else { return nil }
        return elements[i]
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag) != nil }

    /// Inserts or replaces an element, keeping tag order.
    public mutating func set(_ element: DataElement) {
        if let i = index(of: element.tag) { elements[i] = element; return }
        let at = elements.firstIndex { $0.tag > element.tag } ?? elements.endIndex
        elements.insert(element, at: at)
    }

    /// Removes the element with `tag`, if present.
    @discardableResult public mutating func remove(_ tag: Tag) -> DataElement? {
        guard let i = index(of: tag) else { return nil }
        return elements.remove(at: i)
    }

    /// Removes every element for which `predicate` is true (this level only).
    public mutating func removeAll(where predicate: (DataElement) -> Bool) {
        elements.removeAll(where: predicate)
    }

    /// Visits every element of this data set and of all nested items, depth first.
    public func forEachElement(_ body: (DataElement, _ depth: Int) throws -> Void) rethrows {
        try visit(depth: 0, body)
    }

    private func visit(depth: Int, _ body: (DataElement, Int) throws -> Void) rethrows {
        for e in elements {
            try body(e, depth)
            if case .sequence(let items) = e.value {
                for item in items { try item.visit(depth: depth + 1, body) }
            }
        }
    }
}

extension Array where Element == DataElement {
    var isSortedByTag: Bool {
        var i = 1
        while i < count {
            if self[i].tag <= self[i - 1].tag { return false }
            i += 1
        }
        return true
    }
}
