import { formatAmount, parseAmount } from '../src/transactions/money';

describe('parseAmount', () => {
  test.each([
    ['0.01', 'USD', 1],
    ['12.5', 'EUR', 1250],
    ['12.50', 'GBP', 1250],
    ['1000000', 'USD', 100_000_000],
    ['1000000.00', 'USD', 100_000_000],
    ['1000', 'JPY', 1000],
  ])('%s %s is %d minor units', (text, currency, minor) => {
    expect(parseAmount(text, currency)).toEqual({ ok: true, minor });
  });

  test.each([
    ['0', 'USD', /greater than zero/],
    ['0.00', 'USD', /greater than zero/],
    ['1000000.01', 'USD', /at most 1000000/],
    ['1.001', 'USD', /decimal string/],
    ['-1', 'USD', /decimal string/],
    ['1e3', 'USD', /decimal string/],
    ['01.00', 'USD', /decimal string/],
    ['1,000', 'USD', /decimal string/],
    [' 1', 'USD', /decimal string/],
    ['', 'USD', /decimal string/],
    ['1.5', 'JPY', /whole number for JPY/],
  ])('%j %s is rejected', (text, currency, message) => {
    const result = parseAmount(text, currency);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });
});

describe('formatAmount', () => {
  test.each([
    [1, 'USD', '0.01'],
    [1250, 'EUR', '12.50'],
    [100_000_000, 'USD', '1000000.00'],
    [1000, 'JPY', '1000'],
  ])('%d %s is %s', (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });
});
