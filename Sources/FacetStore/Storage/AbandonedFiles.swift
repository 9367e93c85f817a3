import Foundation

/// Files a process names after itself while it writes them (`PREFIX<pid>-…`), left behind when
/// it was killed before finishing: a staged import, a dataset image being written.
enum AbandonedFiles {
    /// Removes the files in `directory` named `prefix` then the id of a process that no longer
    /// exists; those of live processes (this one included) are left to them.
    static func remove(in directory: String, prefix: String) {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasPrefix(prefix) {
            let owner = file.dropFirst(prefix.count).prefix { $0.isNumber }
            if let pid = Int32(owner), kill(pid, 0) != 0, errno == ESRCH {
                unlink(directory + "/" + file)
            }
        }
    }
}
