/**
 * Entry of dist/server.js. Kept apart from ./server.ts so that the CLI bundle can import
 * startServer() without starting a server as a side effect.
 */
import { startServer } from './server';

startServer();
