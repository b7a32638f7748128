/** The REST contract's version, in the OpenAPI and AsyncAPI documents. */
export const API_VERSION = '1.0.0';
