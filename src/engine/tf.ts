/**
 * The one TensorFlow.js import of the engine. Only the core (ops, autodiff) is imported here;
 * backends are registered on demand by ./backend/select-backend.ts so that nothing loads a native
 * or wasm binary before a backend is chosen. Use the functional API (`tf.add(a, b)`), never the
 * chained one (`a.add(b)`): chained ops are not registered in every bundle this code runs in.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
