import Vapor

func routes(_ app: Application) throws {
    app.get("health") { _ in ["status": "ok"] }
    try app.register(collection: APIController())
    try app.register(collection: ReviewController())
    try app.register(collection: PageController())
    try app.register(collection: ReviewPageController())
    try app.register(collection: ViewerController())
}
