/**
 * Which JWS algorithms can prove possession of a key in a JWK Set of public keys.
 *
 * @module
 */

/**
 * Whether `alg` is an asymmetric JWS algorithm: not `none`, which proves nothing, and not `HS*`,
 * which would need a shared secret rather than a JWK Set of public keys.
 */
export function isAsymmetricAlgorithm(alg: string): boolean {
  return alg !== 'none' && !alg.startsWith('HS');
}
