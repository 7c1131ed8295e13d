/**
 * An error a caller can act on, independent of transport: HTTP maps it to a status and a
 * problem+json body, gRPC to a status code. Use cases throw these; adapters translate.
 */
export type AppErrorKind =
  'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'precondition' | 'unavailable';

export interface ProblemItem {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: AppErrorKind,
    message: string,
    readonly problems: ProblemItem[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(message: string) {
    return new AppError('not-found', message);
  }
  static invalid(message: string, problems: ProblemItem[] = []) {
    return new AppError('invalid', message, problems);
  }
  static conflict(message: string) {
    return new AppError('conflict', message);
  }
  static precondition(message: string) {
    return new AppError('precondition', message);
  }
  static forbidden(message: string) {
    return new AppError('forbidden', message);
  }
}

export const HTTP_STATUS: Record<AppErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  precondition: 412,
  unavailable: 503,
};

/** gRPC status codes (grpc/status.h). */
export const GRPC_STATUS: Record<AppErrorKind, number> = {
  invalid: 3, // INVALID_ARGUMENT
  'not-found': 5, // NOT_FOUND
  conflict: 6, // ALREADY_EXISTS
  forbidden: 7, // PERMISSION_DENIED
  precondition: 9, // FAILED_PRECONDITION
  unavailable: 14, // UNAVAILABLE
};
