#pragma once
// Awaiting a StorageWriter job from Asio code: `co_await async_write(writer, job, use_awaitable)`.
// The job runs (and commits) on the writer thread; the caller resumes on its own executor, so a
// network thread never waits on a lock or an fsync. Header-only, so storage's own sources stay
// free of Asio.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <utility>

#include "storage/storage_writer.hpp"

namespace ventanilla::storage {

// `if_not_written`: see StorageWriter::submit.
template <class CompletionToken>
auto async_write(StorageWriter& writer, WriteJob job, WriteJob if_not_written,
                 CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(Result<void>)>(
      [&writer](auto handler, WriteJob write_job, WriteJob read_job) {
        using Handler = decltype(handler);
        auto executor = boost::asio::get_associated_executor(handler);
        // std::function needs a copyable callable; the handler is move-only.
        struct State {
          Handler handler;
          boost::asio::executor_work_guard<decltype(executor)> work;
        };
        auto state = std::make_shared<State>(
            State{std::move(handler), boost::asio::make_work_guard(executor)});
        writer.submit(
            std::move(write_job),
            [state](Result<void> result) {
              auto ex = state->work.get_executor();
              boost::asio::post(ex, [state, result = std::move(result)]() mutable {
                std::move(state->handler)(std::move(result));
                state->work.reset();
              });
            },
            std::move(read_job));
      },
      token, std::move(job), std::move(if_not_written));
}

template <class CompletionToken>
auto async_write(StorageWriter& writer, WriteJob job, CompletionToken&& token) {
  return async_write(writer, std::move(job), WriteJob(), std::forward<CompletionToken>(token));
}

}  // namespace ventanilla::storage
