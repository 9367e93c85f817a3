import HTTPTypes

extension HTTPFields {
    /// The value of the first field named `name`.
    ///
    /// The subscript joins every value of a name into one string, which cost each request more
    /// than the checks that read `User-Agent` and `Authorization`; those take one value anyway.
    func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }
}
