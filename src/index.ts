export * from './claim-predicate';
export * from './clerk-jwt-authorizer';
export * from './clerk-lambda-authorizer';
export * from './clerk-lambda-authorizer-props';
export * from './clerk-token-type';
