export interface ErrorPageProps {
  status: number;
  title: string;
  message: string;
}

export function ErrorPage({ status, title, message }: ErrorPageProps) {
  return (
    <section class="panel error-page" role="alert">
      <h1 class="prompt">{title}</h1>
      <p class="error-code">error_{status}</p>
      <p>{message}</p>
      <a class="btn" href="/">back_to_ballots</a>
    </section>
  );
}
