import { returnedRows } from './query-result.js';

describe('returnedRows', () => {
  it('unwraps the [rows, count] answer of an UPDATE ... RETURNING', () => {
    expect(returnedRows([[], 0])).toEqual([]);
    expect(returnedRows([[{ region: 'eu-west-1' }], 1])).toEqual([{ region: 'eu-west-1' }]);
  });
  it('passes SELECT rows through', () => {
    expect(returnedRows([{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
