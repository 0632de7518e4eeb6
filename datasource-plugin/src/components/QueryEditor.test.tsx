import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DataSource } from '../datasource';
import { HomeostatQuery } from '../types';
import { QueryEditor } from './QueryEditor';
import { testIds } from './testIds';

function fakeDatasource(names: string[]) {
  return { api: { detectors: jest.fn(async () => ({ detectors: names.map((name) => ({ name })) })) } } as unknown as DataSource;
}

async function renderEditor(query: HomeostatQuery, names = ['services']) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(<QueryEditor query={query} onChange={onChange} onRunQuery={onRunQuery} datasource={fakeDatasource(names)} />);
  // Let the detector list load (a state update) before the test interacts.
  await act(async () => undefined);
  return { onChange, onRunQuery };
}

describe('QueryEditor', () => {
  it('offers the configured detectors and saves the one typed', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A' });
    // a new query draws nothing until it names a detector: the editor says so, with the choices
    await waitFor(() => expect(screen.getByTestId(testIds.queryEditor.hint)).toHaveTextContent('Choose a detector to see its scores (configured: services)'));
    const input = screen.getByTestId(testIds.queryEditor.detector);
    fireEvent.change(input, { target: { value: 'services' } });
    fireEvent.blur(input);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ detector: 'services', queryType: 'scores' }));
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('switches to the timeline and shows the service filter instead of the detector', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'timeline' });
    expect(screen.queryByTestId(testIds.queryEditor.detector)).toBeNull();
    expect(screen.getByTestId(testIds.queryEditor.service)).toBeInTheDocument();
    fireEvent.click(screen.getByText('Anomalies'));
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ queryType: 'events' }));
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('takes PromQL when the source is PromQL', async () => {
    const { onChange } = await renderEditor({ refId: 'A', queryType: 'scores', scoreSource: 'promql' });
    expect(screen.getByTestId(testIds.queryEditor.hint)).toHaveTextContent('Enter a PromQL expression');
    fireEvent.change(screen.getByTestId(testIds.queryEditor.expr), { target: { value: 'up' } });
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ expr: 'up', scoreSource: 'promql' }));
  });

  it('runs the query again when the source changes', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'scores', detector: 'services' });
    expect(screen.queryByTestId(testIds.queryEditor.hint)).toBeNull();
    fireEvent.click(screen.getByText('PromQL'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ scoreSource: 'promql' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
