import { errorText, isAssumeRoleDenied, isStackMissingError } from '../../src/shared/aws-errors';

const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('AWS errors', () => {
  test('a missing stack: ValidationError "does not exist", as name or (older shapes) Code', () => {
    expect(isStackMissingError(sdkError('ValidationError', 'Stack with id prod-Data does not exist'))).toBe(true);
    expect(isStackMissingError(Object.assign(new Error('Stack with id x does not exist'), { Code: 'ValidationError' }))).toBe(true);
    expect(isStackMissingError(sdkError('ValidationError', 'Template format error'))).toBe(false);
    expect(isStackMissingError(sdkError('AccessDenied', 'Stack with id x does not exist'))).toBe(false);
    expect(isStackMissingError('Stack with id x does not exist')).toBe(false);
  });

  test('an assume-role refusal', () => {
    expect(isAssumeRoleDenied(sdkError('AccessDenied', 'User: x is not authorized to perform: sts:AssumeRole on resource: y'))).toBe(true);
    expect(isAssumeRoleDenied(sdkError('AccessDeniedException', 'not authorized to perform: sts:AssumeRole'))).toBe(true);
    expect(isAssumeRoleDenied(sdkError('AccessDenied', 'not authorized to perform: s3:PutObject'))).toBe(false);
  });

  test('the text of an error: code and message', () => {
    expect(errorText(sdkError('ThrottlingException', 'Rate exceeded'))).toBe('ThrottlingException: Rate exceeded');
    expect(errorText({ Code: 'Throttling', message: 'slow down' })).toBe('Throttling: slow down');
    expect(errorText('socket hang up')).toBe('socket hang up');
  });
});
