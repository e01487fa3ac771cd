import ChangeGateCommands

/// `changegate`: the lean binary the hook runs. A PostgreSQL trail is handed to
/// `changegate-server` before anything is parsed or read (``ServerDispatch``); everything else
/// runs here, without swift-nio.
@main
enum Entry {
    static func main() {
        ServerDispatch.execIfWanted()
        ChangeGateMain.run()
    }
}
