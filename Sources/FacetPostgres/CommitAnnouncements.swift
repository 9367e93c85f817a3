import FacetStore
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

extension PostgresBackend {
    /// The datasets other servers commit to, heard on the commit channel over a connection of
    /// its own. The connection is opened again, with growing pauses, whenever it is lost; each
    /// time it is (re)opened an empty name is announced first, since notices sent while it was
    /// down were lost.
    public func commitAnnouncements() -> AsyncStream<String>? {
        let (location, channel, logger) = (location, commitChannel, connections.logger)
        return AsyncStream(bufferingPolicy: .bufferingNewest(1_024)) { continuation in
            let task = Task {
                var pause = Duration.milliseconds(100)
                var warned = false
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                                              configuration: location.configuration, id: 0, logger: logger)
                        pause = .milliseconds(100)
                        if warned { logger.info("listening for commits on \(location) again") }
                        warned = false
                        var failure: (any Error)?
                        do {
                            try await withTaskCancellationHandler {
                                try await connection.listen(on: channel) { notices in
                                    continuation.yield("")
                                    for try await notice in notices {
                                        let name = notice.payload.split(separator: " ").first.map(String.init) ?? ""
                                        continuation.yield(name)
                                    }
                                }
                            } onCancel: {
                                connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
                            }
                        } catch {
                            failure = error
                        }
                        // Closed however listening ended: postgres-nio requires it before release.
                        try? await connection.close()
                        if let failure { throw failure }
                    } catch {
                        if Task.isCancelled { break }
                        if !warned { logger.warning("lost the commit channel of \(location) (\(PostgresConnections.translate(error).message)); reconnecting, and catching up on a timer meanwhile") }
                        warned = true
                    }
                    try? await Task.sleep(for: pause)
                    pause = min(pause * 2, .seconds(5))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
